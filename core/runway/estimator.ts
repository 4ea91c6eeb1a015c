import { BAND_SPLIT_QUANTILE, BAND_SPLIT_Z, BAND_Z, boundSpread, type SpreadInputs, TREND_PRIOR_SE } from "./band.ts";
import { accumulate, regress } from "./least-squares.ts";
import {
  DAY,
  DAYS_PER_WEEK,
  dayOfWeek,
  dayOfWeekProfile,
  HOUR,
  HOURS_PER_DAY,
  hourOfDay,
  hourOfDayProfile,
} from "./profile.ts";
import { type NearTermScale, projectRunway, type RunwayProjection, type Trend } from "./project.ts";
import { BinRing } from "./ring.ts";
import { parseRunwayState, type RunwayState, STATE_KIND, STATE_VERSION } from "./state.ts";
import { fitTrend, type SpendTrend } from "./trend.ts";
import type { RunwayEstimate } from "./types.ts";

/** Hourly spend history kept: two weeks. */
export const HOURLY_BINS = 14 * HOURS_PER_DAY;
/** Window of the long-run spend level: one week, so weekly cycles and batch jobs average out. */
export const LEVEL_HOURS = 7 * HOURS_PER_DAY;
/** Days of history behind the hour-of-day profile. */
export const PROFILE_DAYS = 7;
/** Fine bins for surge detection: 5 minutes, three hours of them. */
export const FINE_WIDTH = 300;
export const FINE_BINS = 36;
/** Fine bins in an hour. */
const HOUR_BINS = HOUR / FINE_WIDTH;
/** A fine bin counts as observed once a fifth of it (a minute) is covered. */
const MIN_BIN_COVER = FINE_WIDTH / 5;
/** Observed fine bins needed per hour tested for a surge (9 of 12, so a few missed polls do not prevent one). */
const MIN_COVERED_BINS = 9;
/** Elevated 5-minute bins needed: about 55 minutes of the last hour, so a batch job of up to ~50 minutes is not a surge. */
const MIN_ELEVATED_BINS = HOUR_BINS - 1;
/** The latest 20 minutes, which decide when a surge is over once at least half of them is observed. */
const LATEST_BINS = 4;
const MIN_LATEST_COVER = (LATEST_BINS * FINE_WIDTH) / 2;
/** A surge: nearly every 5 minutes of the last hour spent at least this multiple of the expectation. */
export const SURGE_FACTOR = 2;
/** A surge ends when the latest 20 minutes fall below this multiple of the pre-surge expectation. */
export const SURGE_EXIT_FACTOR = 1.5;
/** Observed history needed before a surge can be told from the baseline. */
export const SURGE_MIN_HISTORY = 6 * HOUR;
/** Standard deviations of the history's hourly noise by which a surge's last hour must exceed the expectation. */
export const SURGE_MIN_Z = 3;

/**
 * A lull: the latest hours spent less than this fraction of what the profile expects, by more than
 * the hourly noise of the history before them explains (see findLull): the gaps between an
 * account's batch runs are within its noise, a business-hours account's first weekend is not.
 */
export const LULL_FACTOR = 0.5;
/** A lull is only evidence once the profile expected at least this many hours' worth of average spend in it. */
export const LULL_MIN_EXPECTED_HOURS = 3;
/** Standard deviations of the history's noise by which a lull must fall short of the expectation. */
export const LULL_MIN_Z = 3;
/** Longest lull considered: the level window. */
export const LULL_MAX_HOURS = LEVEL_HOURS;
/**
 * How likely a lull is to be for good (a job that has ended) rather than a pause (a weekend, a
 * customer's pipeline down for a while): one in four.
 */
export const LULL_PERMANENT_PRIOR = 0.25;
/**
 * A lull is projected to go on for this many times as long as it has lasted, then the profile's
 * level resumes. The remaining length of a pause that has lasted L is, by the Copernican argument,
 * longer than x with probability L / (L + x); with a LULL_PERMANENT_PRIOR chance of no end at all,
 * the median remaining length is L * 0.5 / (0.5 - prior): twice the elapsed quiet for one in four.
 */
export const LULL_PROJECTION_FACTOR = 0.5 / (0.5 - LULL_PERMANENT_PRIOR);
/**
 * A lull in an account whose profile has no quiet hours or days (every hour-of-day and day-of-week
 * multiplier at least LULL_FACTOR: it has never paused) is a change of level, not a pause: a job
 * switched off, a client gone. The odds that it is for good are taken as even (LEVEL_CHANGE_PRIOR),
 * so its median remaining length is unbounded and the runway is projected at the lower level for
 * good; the pessimistic bound still lets the old level come back (at the lull's BAND_SPLIT_QUANTILE
 * quantile of remaining length under the same prior). An account that goes quiet every night or
 * weekend keeps LULL_PERMANENT_PRIOR: its pauses end.
 */
export const LEVEL_CHANGE_PRIOR = 0.5;
/**
 * A change of level is evidence once the profile expected this many hours' worth of average spend
 * in it (a pause needs LULL_MIN_EXPECTED_HOURS): the hours of an account without quiet ones are all
 * alike, so an hour short by LULL_MIN_Z standard deviations of its noise already says it.
 */
export const LEVEL_CHANGE_MIN_EXPECTED_HOURS = 1;
/** The current hour ends a lull once it has spent at least the expectation over this much observed time. */
const LULL_EXIT_COVER = 20 * 60;

/** Completed hours the band's hourly noise and early slope need (see bandHourVar). */
export const BAND_MIN_HOURS = 4;
/**
 * Standard errors by which the slope of the hours seen must stand out before it counts beyond the
 * trend prior (see earlyTrend).
 */
export const EARLY_SLOPE_Z = 3;

/**
 * Share of a typical batch run's cost (m3 / m2 of hourly spend) under which the next run is taken
 * to spend the balance (see nextRunWait). Under one, since runs vary in size and m3 / m2 weights
 * the large ones (three times the mean run for sizes spread exponentially), so a balance near it
 * may need two; in an account of runs alone the Cornish-Fisher median already passes the next
 * run's above ln 2 - 1/6 (0.53) of it. 0.4 on the dev seeds (0.5: about the same gains, misses
 * 3.542 to 3.543 %; 1: overall 0.157, misses 3.553 %).
 */
export const NEXT_RUN_SHARE = 0.4;

/** Earlier days whose scatter must be known before the last day can move the level. */
export const RECENT_MIN_DAYS = 2;
/**
 * Standard deviations of the day-to-day scatter by which the last day must exceed the weekly level
 * before it moves it at all (the scatter of a few days is itself uncertain).
 */
export const RECENT_MIN_Z = 2;

/**
 * Scratch for activeDaysLevel (the last 24 hours, then the complete days of the level window), shared
 * by all estimators: it holds nothing between calls, so an estimator needs no copy of its own.
 */
const SCRATCH_DAYS = LEVEL_HOURS / HOURS_PER_DAY + 1;
const DAY_SCRATCH = {
  spends: new Float64Array(SCRATCH_DAYS),
  weights: new Float64Array(SCRATCH_DAYS),
  covers: new Float64Array(SCRATCH_DAYS),
  ratios: new Float64Array(SCRATCH_DAYS),
  /** Each day's median hour: the median spend per second of its observed hours (NaN if too few). */
  medianHours: new Float64Array(SCRATCH_DAYS),
  sort: new Float64Array(SCRATCH_DAYS),
  /** One day's hourly spend rates, for its median hour. */
  hours: new Float64Array(HOURS_PER_DAY),
  hourSort: new Float64Array(HOURS_PER_DAY),
};

/** The provisional weekly profile of a projection (see estimateNow; shared scratch, filled before each use). */
const PROVISIONAL_WEEK = new Float64Array(DAYS_PER_WEEK);

/** Scratch for the band's spread, shared by all estimators like DAY_SCRATCH (filled before each use). */
const SPREAD: SpreadInputs = {
  hours: 0,
  spend: 0,
  hourVar: 0,
  levelObs: 0,
  dayVar: 0,
  days: 0,
  trendSe: 0,
  trendHours: 0,
  hourMean: 0,
  earlyTrend: 0,
};

/**
 * The objects a projection is described in, shared by all estimators like DAY_SCRATCH: estimateNow
 * and lowerBound set every field they read before each projection, and nothing is read from them
 * across samples, so an estimator keeps only pointers to them (not four objects and their numbers).
 * The placeholder profiles are typed arrays, as an estimator's are.
 */
const PROJECTION_SCRATCH = {
  trendAhead: { perHour: 0, until: 0 } as Trend,
  lull: { until: 0, factor: 1 } as NearTermScale,
  activeDaysScale: { until: 0, factor: 1 } as NearTermScale,
  projection: {
    balance: 0,
    now: 0,
    level: 0,
    hourShape: new Float64Array(HOURS_PER_DAY),
    weekShape: new Float64Array(DAYS_PER_WEEK),
    extraPerSecond: 0,
    scale: null,
    trend: null,
  } as RunwayProjection,
};

/** Sums over the fine bins of the last hour or two, against the expectation (see measureFine). */
interface FineWindow {
  /** Bins observed for at least MIN_BIN_COVER seconds, and those of them at SURGE_FACTOR times the expectation or more. */
  covered: number;
  elevatedBins: number;
  /** Spend, expectation and observed seconds of the latest LATEST_BINS bins. */
  latestSpend: number;
  latestExpected: number;
  latestCover: number;
  /** The same over the last hour. */
  hourSpend: number;
  hourExpected: number;
  hourCover: number;
  /**
   * Set when measureFine stopped early because no surge can begin: more covered bins below
   * SURGE_FACTOR than surgeElevated allows (the other sums are then partial).
   */
  noSurge: boolean;
}

/** Scratch for measureFine, shared by all estimators like DAY_SCRATCH (filled before each use). */
const FINE_WINDOW: FineWindow = {
  covered: 0,
  elevatedBins: 0,
  latestSpend: 0,
  latestExpected: 0,
  latestCover: 0,
  hourSpend: 0,
  hourExpected: 0,
  noSurge: false,
  hourCover: 0,
};

/** Bytes of the two profiles at the start of an estimator's buffer (a multiple of 8, so the rings after them align). */
const PROFILE_BYTES = (HOURS_PER_DAY + DAYS_PER_WEEK) * Float64Array.BYTES_PER_ELEMENT;

const EMPTY: RunwayEstimate = {
  runwaySeconds: null,
  runwayLowerBoundSeconds: null,
  spendRatePerSecond: null,
  trendPerDay: 0,
  spentTotal: 0,
  depositedTotal: 0,
};

interface Surge {
  /** When the surge was confirmed (unix seconds). */
  since: number;
  /** Spend level (per second, before the profile) in force when it was confirmed. */
  baseLevel: number;
}

/**
 * Estimates the runway of one prepaid account from its balance samples (docs/runway.md describes
 * the method).
 *
 * Spending is the sum of balance decreases; an increase is a deposit, and its interval counts as
 * unobserved (the spend hidden in it is unknown). After each sample, update() refreshes what is
 * derived from the bins (hour-of-day and day-of-week profiles, the week's level, a lull, a trend,
 * a surge), then estimateNow() projects the balance through them: the median runway and its
 * pessimistic bound. Memory is fixed (two rings of bins); work per sample is O(1) amortised (the
 * hour caches are rebuilt once an hour). Samples not later than the previous one are ignored.
 */
export class RunwayEstimator {
  /**
   * All the estimator's bins and profiles in one allocation (an ArrayBuffer costs about a hundred
   * bytes besides its contents, and the exporter keeps an estimator per account): the two profiles
   * (doubles) first, then the hourly and the fine ring (singles).
   */
  private readonly memory = new ArrayBuffer(PROFILE_BYTES + BinRing.bytes(HOURLY_BINS) + BinRing.bytes(FINE_BINS));
  private readonly hourly = new BinRing(HOUR, HOURLY_BINS, this.memory, PROFILE_BYTES);
  private readonly fine = new BinRing(FINE_WIDTH, FINE_BINS, this.memory, PROFILE_BYTES + BinRing.bytes(HOURLY_BINS));
  private lastT = Number.NaN;
  /** Time of the first sample (NaN before it; not saved: history is only warmed on a first start). */
  private firstT = Number.NaN;
  private lastBalance = Number.NaN;
  private spentTotal = 0;
  private depositedTotal = 0;
  private observedSeconds = 0;
  private surge: Surge | null = null;
  /** Spend rate of the surge in force above its base expectation (0 = none); set by updateSurge. */
  private surgeExcess = 0;
  private estimate: RunwayEstimate = EMPTY;
  /**
   * Set by update() after each sample: spend and profile-weighted coverage of the level window with
   * the current hour, and the spend level now (per second, before the profile; meaningless while
   * the weight is 0).
   */
  private spendNow = 0;
  private weightNow = 0;
  private levelNow = 0;
  // From here to hasBurstHistory: caches derived from completed hours (refreshHourCache), rebuilt
  // when the hourly ring moves to a new hour, and the scratch objects of the projection.
  /** The hourly ring's head when the caches were built (NaN = stale). */
  private cacheHead = Number.NaN;
  /** Hour-of-day and day-of-week profiles (multipliers with mean 1), at the start of `memory`. */
  private readonly shape = new Float64Array(this.memory, 0, HOURS_PER_DAY).fill(1);
  private readonly week = new Float64Array(
    this.memory,
    HOURS_PER_DAY * Float64Array.BYTES_PER_ELEMENT,
    DAYS_PER_WEEK,
  ).fill(1);
  /** Spend and profile-weighted coverage of the level window's completed hours. */
  private completedSpend = 0;
  private completedWeight = 0;
  /** The same over the active days of the level window only (see activeDaysLevel). */
  private activeSpend = 0;
  private activeWeight = 0;
  /**
   * The provisional weekly profile projected with the active days' level (see activeDaysLevel): the
   * days of the week (bit d = day of week d) of the quiet days left out of the level, which come
   * again a week later at quietFactor times the active days' level; 0 = no quiet day left out.
   */
  private quietDays = 0;
  private quietFactor = 1;
  /** Reused for the active days' level projected after quiet days (a scale over 1, see estimateNow; shared scratch). */
  private readonly activeDaysScale: NearTermScale = PROJECTION_SCRATCH.activeDaysScale;
  /**
   * How far the median of the spend to come falls short of its mean (currency), from the skew of
   * hourly spend over the level window: 0 for steady spending, large for batch runs.
   */
  private skewShift = 0;
  /** Standard deviation of one hour's spend around the profile over the level window (NaN if unknown). */
  private hourSd = Number.NaN;
  /** Day-to-day variance of spend over expectation (see dayScatter; NaN = unknown) and its days. */
  private dayVar = Number.NaN;
  private dayCount = 0;
  /** Multiplier of the weekly level from the last day's spend (1 = the week's level stands). */
  private recentScale = 1;
  /** Trend of the level over the level window (see fitTrend); perHour 0 = none. */
  private readonly trend: SpendTrend = { levelNow: 1, perHour: 0, se: Number.NaN, rawPerHour: 0, spanHours: 0 };
  /** Reused for the projection of a trend (shared scratch, see PROJECTION_SCRATCH). */
  private readonly trendAhead: Trend = PROJECTION_SCRATCH.trendAhead;
  /** Reused for the projections of the runway and its bound (shared scratch; estimateNow sets the profiles). */
  private readonly projection: RunwayProjection = PROJECTION_SCRATCH.projection;
  /** Lull found at the last hour refresh: its length in hours (0 = none) and its spend / expectation. */
  private lullHours = 0;
  private lullFactor = 1;
  /**
   * The level the account resumes at once a pause ends, over the week's level: the level window's
   * spend without the pause's own hours (1 = the week's level; a change of level keeps 1).
   */
  private lullResume = 1;
  /** True when the lull is a change of level (see LEVEL_CHANGE_PRIOR): projected for good. */
  private lullIsLevelChange = false;
  /** Reused for the projection, so that a sample allocates nothing but its estimate (shared scratch). */
  private readonly lull: NearTermScale = PROJECTION_SCRATCH.lull;
  /**
   * True when an hour of the level window before the fine ring's span spent at least SURGE_FACTOR times
   * its expectation: the account has spent in bursts before, so a surge must last longer than a burst.
   */
  private hasBurstHistory = false;
  /**
   * For the band only: the variance of one hour's spend around the profile (hourSd squared, or
   * from as few as BAND_MIN_HOURS hours while that is unknown: the level's error and the next
   * hours' noise shrink with the hours seen like a standard error; NaN = fewer), and before a
   * trend can be fitted the trend the band allows for (see refreshHourCache; NaN = none).
   */
  private bandHourVar = Number.NaN;
  private earlyTrend = Number.NaN;

  /** Feeds one sample; returns the estimate after it. */
  observe(timestampSec: number, balance: number): RunwayEstimate {
    if (!Number.isFinite(timestampSec)) {
      throw new RangeError(`runway estimator: timestamp must be a finite number of seconds, got ${timestampSec}`);
    }
    if (!Number.isFinite(balance)) {
      throw new RangeError(`runway estimator: balance must be a finite number, got ${balance}`);
    }
    if (Number.isNaN(this.lastT)) {
      this.hourly.advanceTo(timestampSec);
      this.fine.advanceTo(timestampSec);
      if (Number.isNaN(this.firstT)) this.firstT = timestampSec;
    } else if (timestampSec <= this.lastT) {
      return this.estimate; // out of order or duplicate: keep what we know
    } else {
      const delta = this.lastBalance - balance;
      const t0 = this.lastT;
      if (delta >= 0) {
        this.spentTotal += delta;
        this.observedSeconds += timestampSec - t0;
        this.hourly.addInterval(t0, timestampSec, delta);
        this.fine.addInterval(t0, timestampSec, delta);
      } else {
        // a deposit: the spend hidden inside this interval is unknown, so it is not observed time
        this.depositedTotal -= delta;
        this.hourly.advanceTo(timestampSec);
        this.fine.advanceTo(timestampSec);
      }
    }
    this.lastT = timestampSec;
    this.lastBalance = balance;
    this.reestimate();
    return this.estimate;
  }

  /**
   * Warms the history with the provider's record of past spend (Anti-Captcha's getSpendingStats):
   * each record's spend is spread over its stretch, which counts as observed, as if the balance had
   * been polled through it. Only records that end by the first sample (or, before any sample, by
   * `nowSec`) are used, so nothing is counted twice; the counters of spend and deposits are not
   * touched (they count what this estimator has seen). Returns the number of records used; the
   * estimate is recomputed when a sample has been seen.
   */
  warm(records: readonly { fromSec: number; toSec: number; spent: number }[], nowSec: number): number {
    const limit = Number.isNaN(this.firstT) ? nowSec : this.firstT;
    let used = 0;
    for (const r of records) {
      if (!Number.isFinite(r.fromSec) || !Number.isFinite(r.toSec) || !(r.toSec > r.fromSec)) continue;
      if (!(r.spent >= 0) || !Number.isFinite(r.spent) || r.toSec > limit) continue;
      this.hourly.addInterval(r.fromSec, r.toSec, r.spent);
      this.fine.addInterval(r.fromSec, r.toSec, r.spent);
      this.observedSeconds += r.toSec - r.fromSec;
      used++;
    }
    if (used > 0 && !Number.isNaN(this.lastT)) {
      this.cacheHead = Number.NaN;
      this.reestimate();
    }
    return used;
  }

  /** The estimate after the latest accepted sample. */
  current(): RunwayEstimate {
    return this.estimate;
  }

  /**
   * What to save across a restart (plain JSON, see state.ts): the bins, the counters, the last sample
   * and the surge in force (it has hysteresis); everything else is derived again from them.
   */
  toState(): RunwayState {
    const started = !Number.isNaN(this.lastT);
    return {
      kind: STATE_KIND,
      version: STATE_VERSION,
      last: started ? { timestamp: this.lastT, balance: this.lastBalance } : null,
      spentTotal: this.spentTotal,
      depositedTotal: this.depositedTotal,
      observedSeconds: this.observedSeconds,
      hourly: ringState(this.hourly),
      fine: ringState(this.fine),
      surge: this.surge ? { since: this.surge.since, baseLevel: this.surge.baseLevel } : null,
    };
  }

  /** Restores an estimator from `toState()` output (after a JSON round trip); throws RunwayStateError. */
  static fromState(s: unknown): RunwayEstimator {
    const state = parseRunwayState(s, HOURLY_BINS, FINE_BINS);
    const e = new RunwayEstimator();
    if (state.last) {
      e.lastT = state.last.timestamp;
      e.lastBalance = state.last.balance;
    }
    e.spentTotal = state.spentTotal;
    e.depositedTotal = state.depositedTotal;
    e.observedSeconds = state.observedSeconds;
    restoreRing(e.hourly, state.hourly);
    restoreRing(e.fine, state.fine);
    e.surge = state.surge ? { ...state.surge } : null;
    if (state.last) e.reestimate();
    return e;
  }

  /**
   * Rebuilds the caches of completed hours: the profiles, the week's level (of all days and of the
   * active ones), the hourly noise and skew, a lull, earlier bursts, the day-to-day scatter, the
   * last day's pull and the trend. Runs once per new hour; O(HOURLY_BINS).
   */
  private refreshHourCache(): void {
    const ring = this.hourly;
    let { level, m2 } = this.refreshProfiles(ring.head);
    this.findLull(level);
    if (this.lullHours > 0 && !this.lullIsLevelChange) {
      // a pause is not part of the daily cycle: learnt with its own hours in it, the profile
      // would expect less of those hours of the day, and the lull measured against it would read
      // less quiet than it is (and project that rate over the hours it has not reached yet)
      ({ level, m2 } = this.refreshProfiles(ring.head - this.lullHours));
      this.findLull(level);
      if (this.lullHours === 0) ({ level, m2 } = this.refreshProfiles(ring.head));
    }
    const shape = this.shape;
    const week = this.week;
    this.hasBurstHistory = anEarlierBurst(ring, level, shape, week);
    this.dayVar = this.dayScatter(level);
    // the last day's rise over the active days' level when quiet days were left out of it (against
    // the week's mean, the quiet days' dilution would count twice: in the active level and in the pull)
    const activeLevel =
      this.activeWeight > 0 && this.activeSpend !== this.completedSpend ? this.activeSpend / this.activeWeight : level;
    this.recentScale = this.lullHours > 0 ? 1 : this.recentDay(activeLevel, m2);
    // the weekly level the trend is fitted against (a function made once an hour, kept by no one)
    const base = level;
    fitTrend(ring, LEVEL_HOURS, (h) => base * this.profileAt(h), this.trend);
    if (this.lullHours > 0) this.trend.perHour = 0;
    this.bandHourVar =
      m2 >= 0 ? m2 : hourMoments(ring, ring.head - LEVEL_HOURS, ring.head, level, shape, week, BAND_MIN_HOURS).m2;
    if (this.surge !== null) {
      // in a surge, the hours before it are not its noise: the variance of the surge's own hours
      const since = hourMoments(ring, Math.ceil(this.surge.since / HOUR), ring.head, 0, shape, week, BAND_MIN_HOURS);
      if (since.m2 >= 0) this.bandHourVar = since.m2;
    }
    // Before a trend can be fitted, the band allows for a trend as steep as the hours seen show
    // (the slope plus its standard error), at most TREND_PRIOR_SE unless it stands out by
    // EARLY_SLOPE_Z standard errors after a day, as a fitted trend must (within the first day a daily
    // cycle looks like a trend).
    this.earlyTrend = Number.NaN;
    if (Number.isNaN(this.trend.se) && earlySlope(ring)) {
      const size = Math.abs(EARLY.slope) + EARLY.se;
      const counts = Number.isFinite(this.hourSd) && Math.abs(EARLY.slope) >= EARLY_SLOPE_Z * EARLY.se;
      this.earlyTrend = counts ? size : Math.min(TREND_PRIOR_SE, size);
    }
  }

  /**
   * The profiles (the hour-of-day one from the hours before `before`), the week's level (of all days
   * and of the active ones) and the hourly noise and skew; returns the level and the noise. O(HOURLY_BINS).
   */
  private refreshProfiles(before: number): { level: number; m2: number } {
    const ring = this.hourly;
    const shape = this.shape;
    const week = this.week;
    hourOfDayProfile(ring, PROFILE_DAYS, shape, before);
    // the day-of-week profile is learned against the hour-of-day one alone
    week.fill(1);
    const first = weeklyLevel(ring, shape, week);
    const noise = hourMoments(ring, ring.head - LEVEL_HOURS, ring.head, first.level, shape, week).m2;
    dayOfWeekProfile(ring, shape, first.level, noise, week);
    const weekly = weeklyLevel(ring, shape, week);
    const { spend, weight, level } = weekly;
    const active = weekFlat(week) ? this.activeDaysLevel(weekly, noise) : weekly;
    this.completedSpend = spend;
    this.completedWeight = weight;
    this.activeSpend = active.spend;
    this.activeWeight = active.weight;
    this.cacheHead = ring.head;
    const { m2, m3 } = hourMoments(ring, ring.head - LEVEL_HOURS, ring.head, level, shape, week);
    // skew correction of the runway (see estimateNow), in currency
    this.skewShift = m2 > 0 && m3 > 0 ? m3 / (6 * m2) : 0;
    this.hourSd = m2 >= 0 ? Math.sqrt(m2) : Number.NaN;
    return { level, m2 };
  }

  /**
   * The week's level over its active days, for the day ahead while the day-of-week profile is flat:
   * a quiet day in the level window (a first weekend, a pause) would otherwise dilute the level of
   * the active days around it and make the runway too long. Once spending has resumed (the last 24
   * hours are active, or the last hour spent at least the profile's expectation, the hour of
   * ordinary spend that also ends a lull), the complete (UTC) days that spent less than the median
   * day and either spent under LULL_FACTOR of it, by more than LULL_MIN_Z standard deviations of the
   * hourly noise (`m2`), or had a median hour under LULL_FACTOR of the median day's median hour
   * (robust to batch runs, which lift a day's total but not its median hour, so a business-hours
   * account's quiet weekend is found among busy days with jobs; a batch account's run-free day keeps
   * its background and is not quiet) are left out (a quiet spell going on now is a lull). Needs
   * two complete days besides the last 24 hours (a first day that was quiet is left out as soon as a
   * second, active one is complete: the median of two is their mean, and a day under half of it spent
   * under a third of the other). Sets the provisional weekly profile (quietDays,
   * quietFactor): a quiet day is taken to come again a week later (a weekend does), at the rate of
   * the quiet days left out relative to the active ones. O(LEVEL_HOURS).
   */
  private activeDaysLevel(
    weekly: { spend: number; weight: number; level: number },
    m2: number,
  ): { spend: number; weight: number; level: number } {
    const { level } = weekly;
    this.quietDays = 0;
    if (!(level > 0) || !(m2 >= 0)) return weekly;
    const ring = this.hourly;
    const { spends, weights, covers, ratios, medianHours, hours } = DAY_SCRATCH;
    // slot 0: the last 24 hours; slots 1..: the complete days inside the level window, newest first
    const first = ring.head - LEVEL_HOURS;
    let n = 0;
    let days = 0;
    for (let k = 0; k < ratios.length; k++) {
      const end = k === 0 ? ring.head : (Math.floor(ring.head / HOURS_PER_DAY) - k + 1) * HOURS_PER_DAY;
      const begin = end - HOURS_PER_DAY;
      if (k > 0 && begin < first) break;
      let sp = 0;
      let w = 0;
      let c = 0;
      let observed = 0;
      for (let h = begin; h < end; h++) {
        if (!ring.holds(h)) continue;
        const s = ring.slot(h);
        sp += ring.spend[s]!;
        w += ring.cover[s]! * this.shape[hourOfDay(h)]!;
        c += ring.cover[s]!;
        if (ring.cover[s]! >= HOUR / 2) hours[observed++] = ring.spend[s]! / ring.cover[s]!;
      }
      spends[k] = sp;
      weights[k] = w;
      covers[k] = c;
      ratios[k] = c >= DAY / 2 && w > 0 ? sp / (level * w) : Number.NaN;
      medianHours[k] = observed >= HOURS_PER_DAY / 2 ? medianOf(hours, 0, observed, DAY_SCRATCH.hourSort) : Number.NaN;
      days = k + 1;
      if (k > 0 && !Number.isNaN(ratios[k]!)) n++;
    }
    if (n < 2 || Number.isNaN(ratios[0]!)) return weekly;
    const median = medianOf(ratios, 1, days, DAY_SCRATCH.sort);
    const medianHour = medianOf(medianHours, 1, days, DAY_SCRATCH.sort);
    const quiet = (k: number): boolean => {
      const r = ratios[k]!;
      if (Number.isNaN(r) || !(r < median)) return false;
      // robust to batch runs: the day's median hour under half the median day's (a run-free day
      // of a batch account keeps its background, and is not quiet)
      if (medianHours[k]! < LULL_FACTOR * medianHour) return true;
      if (r >= LULL_FACTOR * median) return false;
      const shortfall = (median - r) * level * weights[k]!;
      return shortfall >= LULL_MIN_Z * Math.sqrt((m2 * covers[k]!) / HOUR);
    };
    if (quiet(0)) {
      // the last 24 hours were quiet: spending has resumed only if the last hour says so (the morning
      // after a quiet weekend), else the quiet goes on and the week's level stands
      const s = ring.slot(ring.head - 1);
      const c = ring.cover[s]!;
      const resumed = c >= HOUR / 2 && ring.spend[s]! >= level * this.shape[hourOfDay(ring.head - 1)]! * c;
      if (!resumed) return weekly;
    }
    let spend = weekly.spend;
    let weight = weekly.weight;
    let quietSpend = 0;
    let quietWeight = 0;
    let quietDays = 0;
    const today = Math.floor(ring.head / HOURS_PER_DAY);
    for (let k = 1; k < days; k++) {
      if (!quiet(k)) continue;
      spend -= spends[k]!;
      weight -= weights[k]!;
      quietSpend += spends[k]!;
      quietWeight += weights[k]!;
      // the complete day k days back comes again on day today - k + 7, on the same day of the week
      quietDays |= 1 << dayOfWeek((today - k) * HOURS_PER_DAY);
    }
    if (!(weight > 0) || spend === weekly.spend) return weekly;
    if (!(quietWeight > 0) || !(spend > 0)) return weekly;
    this.quietDays = quietDays;
    this.quietFactor = quietSpend / quietWeight / (spend / weight);
    return { spend, weight, level: spend / weight };
  }

  /**
   * How much more than the weekly level the last 24 completed hours spent, shrunk by how much of
   * the difference the day-to-day scatter of the days before explains (positive-part James-Stein,
   * needing RECENT_MIN_Z standard deviations before any weight): an account whose spend has grown
   * shows it within a day, a bursty one keeps its weekly level. Only increases count: a quiet day is
   * weak evidence about tomorrow, and strong drops are the lull's job.
   */
  private recentDay(level: number, m2: number): number {
    if (!(level > 0) || !Number.isFinite(m2)) return 1;
    const last = this.dayRatio(level, 0);
    if (last === null) return 1;
    const scatter = this.dayVar;
    if (Number.isNaN(scatter)) return 1;
    const hourly = ((last.cover / HOUR) * m2) / (last.expected * last.expected);
    const noise = Math.max(scatter, hourly);
    const d = last.ratio - 1;
    if (!(d > 0)) return 1;
    return 1 + Math.max(0, 1 - (RECENT_MIN_Z * RECENT_MIN_Z * noise) / (d * d)) * d;
  }

  /**
   * Day-to-day variance of spend over expectation among the days before the last 24 hours of the
   * level window: von Neumann's estimate (half the mean squared difference of consecutive days)
   * once there are two differences, so a steady growth of spend is a trend, not scatter; the
   * variance around the mean with fewer; NaN with under RECENT_MIN_DAYS days.
   */
  private dayScatter(level: number): number {
    this.dayCount = 0;
    if (!(level > 0)) return Number.NaN;
    let n = 0;
    let sum = 0;
    let sumSq = 0;
    let diffSq = 0;
    let diffs = 0;
    let prev = Number.NaN;
    for (let k = 1; k < LEVEL_HOURS / HOURS_PER_DAY; k++) {
      const r = this.dayRatio(level, k);
      if (r === null) {
        prev = Number.NaN;
        continue;
      }
      n++;
      sum += r.ratio;
      sumSq += r.ratio * r.ratio;
      if (!Number.isNaN(prev)) {
        diffSq += (r.ratio - prev) ** 2;
        diffs++;
      }
      prev = r.ratio;
    }
    this.dayCount = n;
    if (n < RECENT_MIN_DAYS) return Number.NaN;
    const variance = Math.max(0, (sumSq - (sum * sum) / n) / (n - 1));
    return diffs >= 2 ? diffSq / (2 * diffs) : variance;
  }

  /** Spend over expectation of the 24 completed hours ending `k` days before the head; null if under half observed. */
  private dayRatio(level: number, k: number): { ratio: number; expected: number; cover: number } | null {
    const ring = this.hourly;
    let spend = 0;
    let expected = 0;
    let cover = 0;
    const end = ring.head - k * HOURS_PER_DAY;
    for (let h = end - HOURS_PER_DAY; h < end; h++) {
      if (!ring.holds(h)) return null;
      const s = ring.slot(h);
      spend += ring.spend[s]!;
      expected += level * this.profileAt(h) * ring.cover[s]!;
      cover += ring.cover[s]!;
    }
    if (cover < (HOURS_PER_DAY * HOUR) / 2 || !(expected > 0)) return null;
    return { ratio: spend / expected, expected, cover };
  }

  /** The profile's multiplier for absolute hour `h`. */
  private profileAt(h: number): number {
    return this.shape[hourOfDay(h)]! * this.week[dayOfWeek(h)]!;
  }

  /**
   * Sets lullHours and lullFactor: a lull ending at the last completed hour (see quietStretch and
   * quietStart), provided its shortfall is more than LULL_MIN_Z standard deviations of the hourly
   * noise of the history before it, which takes a day of observed hours before the lull (hourMoments
   * gives no noise from fewer): a young account's first night is not a lull. O(hours held).
   */
  private findLull(level: number): void {
    this.lullHours = 0;
    this.lullFactor = 1;
    this.lullResume = 1;
    this.lullIsLevelChange = false;
    if (!(level > 0)) return;
    const levelChange = withoutQuietTimes(this.shape, this.week);
    const stretch = this.quietStretch(level, levelChange ? LEVEL_CHANGE_MIN_EXPECTED_HOURS : LULL_MIN_EXPECTED_HOURS);
    if (stretch === null) return;
    const hours = this.quietStart(stretch.hours, level);
    // is it more than the hour-to-hour noise of the history before it? The residuals of completed
    // hours against the profile give the variance of one hour's spend; a stretch of `hours` hours
    // has `hours` times that (batch runs make it large, a steady or business-hours account small)
    const ring = this.hourly;
    const end = ring.head - hours; // first hour of the lull
    const start = ring.head - LEVEL_HOURS;
    const { m2 } = hourMoments(ring, start, end, level, this.shape, this.week);
    if (!(m2 >= 0)) return;
    const sd = Math.sqrt(m2 * hours);
    if (stretch.shortfall < LULL_MIN_Z * sd) return;
    this.lullHours = hours;
    this.lullFactor = stretch.factor;
    this.lullIsLevelChange = levelChange;
    if (levelChange) return;
    // the quiet is projected on its own: the level it gives way to is that of the hours before it,
    // not one its own quiet hours have lowered
    let lullSpend = 0;
    let lullWeight = 0;
    for (let h = end; h < ring.head; h++) {
      if (!ring.holds(h)) continue;
      const s = ring.slot(h);
      lullSpend += ring.spend[s]!;
      lullWeight += ring.cover[s]! * this.profileAt(h);
    }
    const restWeight = this.completedWeight - lullWeight;
    const rest = restWeight > 0 ? (this.completedSpend - lullSpend) / restWeight : 0;
    if (rest > level) this.lullResume = rest / level;
  }

  /**
   * Among the trailing stretches of completed hours (up to LULL_MAX_HOURS) whose every trailing part
   * with at least `minExpectedHours` hours' worth of expected spend (LULL_MIN_EXPECTED_HOURS, or
   * LEVEL_CHANGE_MIN_EXPECTED_HOURS for an account without quiet times) spent under LULL_FACTOR of
   * it, the one falling shortest of the expectation relative to its noise: its length, spend over
   * expectation and shortfall (currency). Null when there is none.
   */
  private quietStretch(
    level: number,
    minExpectedHours: number,
  ): { hours: number; factor: number; shortfall: number } | null {
    const ring = this.hourly;
    const minExpected = minExpectedHours * HOUR * level;
    let spend = 0;
    let expected = 0;
    let hours = 0;
    let factor = 1;
    let shortfall = 0;
    let best = 0;
    for (let d = 1; d <= LULL_MAX_HOURS; d++) {
      const h = ring.head - d;
      if (!ring.holds(h)) break;
      const s = ring.slot(h);
      spend += ring.spend[s]!;
      expected += level * this.profileAt(h) * ring.cover[s]!;
      if (expected < minExpected) continue;
      if (spend >= LULL_FACTOR * expected) break;
      // where the quiet began: the stretch whose shortfall is the most standard deviations of noise
      const score = (expected - spend) / Math.sqrt(d);
      if (score > best) {
        best = score;
        factor = spend / expected;
        shortfall = expected - spend;
      }
      if (score >= best) hours = d;
    }
    return hours === 0 ? null : { hours, factor, shortfall };
  }

  /**
   * The length of a quiet stretch of `hours` once extended back to the last hour that says otherwise:
   * hours before it in which the profile expected (and the account spent) under half an average hour
   * are part of it (a night before a quiet weekend day), an hour of ordinary spend is not.
   */
  private quietStart(hours: number, level: number): number {
    const ring = this.hourly;
    const halfHour = (level * HOUR) / 2;
    while (hours < LULL_MAX_HOURS && ring.holds(ring.head - hours - 1)) {
      const h = ring.head - hours - 1;
      const s = ring.slot(h);
      const expectedHere = level * this.profileAt(h) * ring.cover[s]!;
      const spendHere = ring.spend[s]!;
      const quiet = spendHere < LULL_FACTOR * expectedHere || (expectedHere < halfHour && spendHere < halfHour);
      if (!quiet) break;
      hours++;
    }
    return hours;
  }

  /** Recomputes the estimate after the bins changed: first the derived state (update), then the estimate from it. */
  private reestimate(): void {
    this.update();
    this.estimate = this.estimateNow();
  }

  /**
   * Brings the state derived from the bins up to date: the caches of completed hours (on a new
   * hour), the level now, and the surge (which may begin or end here).
   */
  private update(): void {
    const ring = this.hourly;
    if (ring.head !== this.cacheHead) this.refreshHourCache();
    const cur = ring.slot(ring.head);
    this.spendNow = this.completedSpend + ring.spend[cur]!;
    this.weightNow = this.completedWeight + ring.cover[cur]! * this.profileAt(ring.head);
    if (!(this.weightNow > 0)) return;
    const trending = this.trend.perHour !== 0;
    this.levelNow = (this.spendNow / this.weightNow) * (trending ? this.trend.levelNow : this.recentScale);
    this.updateSurge(this.levelNow);
  }

  /** The estimate from the state update() left; changes nothing but the reused scratch objects. */
  private estimateNow(): RunwayEstimate {
    if (!(this.weightNow > 0)) return this.result(null, null, 0);
    const trending = this.trend.perHour !== 0;
    const extra = this.surgeExcess;
    const base = this.surge ? this.surge.baseLevel : this.levelNow;
    const balance = this.lastBalance;
    let ahead: Trend | null = null;
    if (trending && this.surge === null) {
      ahead = this.trendAhead;
      ahead.perHour = this.trend.perHour;
      ahead.until = this.lastT + this.trend.spanHours * HOUR;
    }
    const trendPerHour = ahead ? ahead.perHour : 0;
    const projection = this.projection;
    projection.hourShape = this.shape;
    projection.weekShape = this.week;
    projection.balance = balance;
    projection.now = this.lastT;
    const scale = this.nearTermScale(base);
    // a change of level: the quiet level from now on, for good
    const levelChange = scale === this.lull && this.lullIsLevelChange;
    const resumed = scale === this.lull && !levelChange ? base * this.lullResume : base;
    projection.level = levelChange ? base * this.lullFactor : resumed;
    projection.extraPerSecond = extra;
    projection.scale = levelChange ? null : scale;
    if (scale === this.activeDaysScale) {
      // before a weekly profile is known: the active days' level, and each quiet day left out of it
      // again a week later at its own rate (a provisional weekly profile)
      const week = PROVISIONAL_WEEK;
      for (let d = 0; d < DAYS_PER_WEEK; d++) week[d] = (this.quietDays >> d) & 1 ? this.quietFactor : 1;
      projection.weekShape = week;
      projection.level = base * scale.factor;
      projection.scale = null;
    }
    projection.trend = ahead;
    const projected = projectRunway(projection);
    if (projected === null) return this.result(null, null, trendPerHour);
    const runway = this.medianRunway(projected, base);
    const rate =
      runway > 0 ? balance / runway : base * this.profileAt(Math.floor(this.lastT / HOUR)) + extra;
    const low = runway > 0 ? this.lowerBound(runway, trendPerHour, scale === this.lull ? base : null) : runway;
    return this.result(runway, rate, trendPerHour, low);
  }

  /**
   * The scaling of the level `base` ahead, without a surge: a lull in force, else (when no trend is
   * projected) the active days' level once spending has resumed after quiet days, which estimateNow
   * projects with the provisional weekly profile (the quiet days again a week later); null = none.
   */
  private nearTermScale(base: number): NearTermScale | null {
    if (this.surge !== null) return null;
    const lull = this.currentLull(base);
    if (lull !== null || this.quietDays === 0 || !(this.activeWeight > 0) || this.trend.perHour !== 0) return lull;
    const ring = this.hourly;
    const cur = ring.slot(ring.head);
    const curWeight = ring.cover[cur]! * this.profileAt(ring.head);
    const active = ((this.activeSpend + ring.spend[cur]!) / (this.activeWeight + curWeight)) * this.recentScale;
    if (!(active > base && base > 0)) return null;
    const scale = this.activeDaysScale;
    scale.until = Number.POSITIVE_INFINITY;
    scale.factor = active / base;
    return scale;
  }

  /**
   * The median runway from the projected one (the time the mean spend to come reaches the balance),
   * `base` the level it was projected at (spend per second, before a surge's excess).
   */
  private medianRunway(projected: number, base: number): number {
    let runway = projected;
    const balance = this.lastBalance;
    if (runway > 0 && this.skewShift > 0) {
      // The runway is the first time the spend reaches the balance, so its median is when the
      // *median* of the spend to come equals the balance. Spend that comes in bursts is skewed to
      // the right: summed over independent hours with central moments m2 and m3, its median falls
      // short of its mean by about m3 / (6 m2) (Cornish-Fisher; the same for any length of time),
      // so the median runway is that amount of spend later. Steady spend, or the dips of a weekly
      // cycle (skewed to the left), add nothing; for batch runs it is the wait for the next one.
      runway += (this.skewShift * runway) / balance;
      runway = Math.max(runway, this.nextRunWait(base));
    }
    if (runway > 0 && this.hourSd > 0) {
      // The level itself is an estimate: the week's spend is worth (spend^2 / its variance)
      // independent observations, a handful for an account with a few batch runs. The median of a
      // gamma-distributed rate with that many is its mean times (1 - 1/(3n)), and the median runway
      // is the balance over the median rate. Steady spend has thousands: no change.
      const n = Math.max(1, (this.spendNow * this.spendNow) / ((this.weightNow / HOUR) * this.hourSd * this.hourSd));
      runway /= 1 - 1 / (3 * n);
    }
    return runway;
  }

  /**
   * The least median runway of a bursty account with under NEXT_RUN_SHARE of a run's cost left:
   * the next run spends it all, so the runway is the wait for that run, or the time the spend
   * between runs takes to use the balance if that is shorter, and its median is the median of
   * that. The hourly moments are read as those of a compound Poisson process (runs of cost c at r
   * an hour: m2 = r c^2, m3 = r c^3): c = m3 / m2, r = m2 / c^2, the first run after a median of
   * ln 2 / r hours (waits without memory), the spend between runs `base` less r c an hour. The
   * Cornish-Fisher shift falls short of this there: with nearly nothing left it gives a sixth of
   * the mean wait between runs, against ln 2 of it. 0 = no least runway.
   */
  private nextRunWait(base: number): number {
    const runCost = 6 * this.skewShift;
    const balance = this.lastBalance;
    if (!(balance < NEXT_RUN_SHARE * runCost) || !(this.hourSd > 0) || this.surge !== null) return 0;
    const runsPerHour = (this.hourSd * this.hourSd) / (runCost * runCost);
    const wait = (Math.LN2 / runsPerHour) * HOUR;
    const between = base - (runsPerHour * runCost) / HOUR;
    return between > 0 ? Math.min(wait, balance / between) : wait;
  }

  /**
   * The pessimistic bound of a (positive) median `runway`: the time by which the projected spend,
   * raised by BAND_Z standard deviations of log spend over that time, reaches the balance. Reuses
   * the projection estimateNow has just made, with a smaller balance. While a lull is projected
   * (`lullBase`: the level before it; null = none), the lull may also end sooner than its median:
   * the bound ends it at its BAND_SPLIT_QUANTILE quantile and raises the spend by BAND_SPLIT_Z. The
   * level it resumes at there is the week's, quiet hours included, not the pause's own resumed level
   * (lullResume) the median uses: with that too, the bound came out conservative on business-hours
   * accounts (2.4 % of the band test's rows below it instead of 4.9 %).
   */
  private lowerBound(runway: number, trendPerHour: number, lullBase: number | null): number {
    const balance = this.lastBalance;
    const x = SPREAD;
    x.hourVar = this.bandHourVar;
    x.levelObs =
      x.hourVar > 0 ? (this.spendNow * this.spendNow) / ((this.weightNow / HOUR) * x.hourVar) : Number.POSITIVE_INFINITY;
    // the mean hour now, a surge's excess included (its hours are the noise measured, see refreshHourCache)
    x.hourMean = (this.spendNow / this.weightNow + this.surgeExcess) * HOUR;
    x.earlyTrend = this.earlyTrend;
    x.dayVar = this.dayVar;
    x.days = this.dayCount;
    // a rise the tests did not let into the projection may still be there (in a surge, the surge's
    // excess is the rise: its step in the fit is not counted twice)
    const t = this.trend;
    x.trendSe = t.se + (this.surge !== null ? 0 : Math.max(0, t.rawPerHour - trendPerHour));
    x.trendHours = this.trend.spanHours;
    // the spread over the horizon the bound points to (see boundSpread), then one projection of
    // the balance so reduced
    let z = BAND_Z;
    if (lullBase !== null) {
      z = BAND_SPLIT_Z;
      // remaining length L * x / (1 - x), x = q / (1 - prior): P(remaining < it) = q under the
      // lull's prior (see LULL_PROJECTION_FACTOR)
      const prior = this.lullIsLevelChange ? LEVEL_CHANGE_PRIOR : LULL_PERMANENT_PRIOR;
      const q = BAND_SPLIT_QUANTILE / (1 - prior);
      // the active days' scale is not in use while a lull is (see estimateNow): reused here
      const early = this.activeDaysScale;
      early.factor = this.lullFactor;
      early.until = (this.hourly.head + (this.lullHours * q) / (1 - q)) * HOUR;
      this.projection.level = lullBase;
      this.projection.scale = early;
    }
    const ahead = this.projection.trend;
    if (ahead) {
      // A projected trend may go on for longer (a rise) or stop sooner (a fall) than the median's
      // "as long again as it has been watched", the median of a spell of unknown length (it lasts
      // another x after L with probability L / (L + x)). Like a lull, the bound takes it at its
      // BAND_SPLIT_QUANTILE quantile and the spend spread at BAND_SPLIT_Z: a rise goes on for
      // L (1 - q) / q, 4.5 times as long as watched; a fall stops after L q / (1 - q).
      z = BAND_SPLIT_Z;
      const q = BAND_SPLIT_QUANTILE;
      const span = t.spanHours;
      const lasts = ahead.perHour > 0 ? (span * (1 - q)) / q : (span * q) / (1 - q);
      ahead.until = this.lastT + lasts * HOUR;
      x.trendHours = lasts;
    }
    x.spend = balance;
    const spread = boundSpread(x, runway / HOUR, z);
    this.projection.balance = balance * Math.exp(-z * spread);
    const r = projectRunway(this.projection);
    return r !== null ? Math.min(r, runway) : runway;
  }

  /** The one object a sample allocates: the estimate handed to the caller. */
  private result(
    runwaySeconds: number | null,
    spendRatePerSecond: number | null,
    trendPerHour: number,
    runwayLowerBoundSeconds: number | null = runwaySeconds,
  ): RunwayEstimate {
    return {
      runwaySeconds,
      runwayLowerBoundSeconds,
      spendRatePerSecond,
      trendPerDay: trendPerHour === 0 ? 0 : Math.expm1(trendPerHour * HOURS_PER_DAY),
      spentTotal: this.spentTotal,
      depositedTotal: this.depositedTotal,
    };
  }

  /**
   * The lull to project, if any: the quiet level goes on for LULL_PROJECTION_FACTOR times as long as
   * it has lasted so far, then the profile's level resumes (scaled by lullResume in estimateNow: the
   * factor here is relative to that resumed level, so the quiet rate is the one observed). Spending at the expectation in the
   * current hour ends it at once.
   */
  private currentLull(level: number): NearTermScale | null {
    if (this.lullHours === 0) return null;
    const ring = this.hourly;
    // the current hour once observed long enough, else the last completed one
    let h = ring.head;
    if (ring.cover[ring.slot(h)]! < LULL_EXIT_COVER) h--;
    const s = ring.slot(h);
    const cover = ring.cover[s]!;
    if (ring.holds(h) && cover >= LULL_EXIT_COVER && ring.spend[s]! >= level * this.profileAt(h) * cover) return null;
    const lull = this.lull;
    lull.until = (ring.head + LULL_PROJECTION_FACTOR * this.lullHours) * HOUR;
    lull.factor = this.lullFactor / this.lullResume;
    return lull;
  }

  /**
   * Begins or ends the surge at spend level `level`, and sets surgeExcess: the spend rate of the last
   * hour above the pre-surge expectation while a surge is in force, else 0.
   */
  private updateSurge(level: number): void {
    this.surgeExcess = 0;
    if (this.observedSeconds < SURGE_MIN_HISTORY) return;
    // an account that has spent in bursts (of up to about an hour) before, or whose hourly noise is not
    // known yet (under a day of history), must stay elevated for two hours: a single batch run is shorter
    const hours = this.hasBurstHistory || !Number.isFinite(this.hourSd) ? 2 : 1;
    const w = this.measureFine(this.surge ? this.surge.baseLevel : level, hours, this.surge === null);
    if (this.surge === null) {
      if (w.noSurge || !this.surgeElevated(w, hours)) return;
      this.surge = { since: this.lastT, baseLevel: level };
    } else if (w.latestCover >= MIN_LATEST_COVER && w.latestSpend < SURGE_EXIT_FACTOR * w.latestExpected) {
      this.surge = null;
      return;
    }
    if (!(w.hourCover > 0)) return;
    this.surgeExcess = Math.max(0, (w.hourSpend - w.hourExpected) / w.hourCover);
  }

  /**
   * Sums over the fine bins of the last `hours` hours against the expectation at `base` (into
   * FINE_WINDOW). With `startOnly` (no surge in force), it stops as soon as a surge cannot begin
   * (noSurge): surgeElevated allows at most `hours` covered bins that are not elevated, and the
   * newest bins of an account spending as usual are not, so this is most samples' answer after a
   * few bins.
   */
  private measureFine(base: number, hours: number, startOnly: boolean): FineWindow {
    const fine = this.fine;
    const w = FINE_WINDOW;
    w.covered = 0;
    w.elevatedBins = 0;
    w.latestSpend = 0;
    w.latestExpected = 0;
    w.latestCover = 0;
    w.hourSpend = 0;
    w.hourExpected = 0;
    w.hourCover = 0;
    w.noSurge = false;
    // the profile's multiplier changes once an hour: looked up once per hour the bins cross
    let hour = Number.NaN;
    let profile = 0;
    for (let i = 0; i < hours * HOUR_BINS; i++) {
      const b = fine.head - i;
      const s = fine.slot(b);
      const c = fine.cover[s]!;
      const spend = fine.spend[s]!;
      const h = Math.floor((b * FINE_WIDTH) / HOUR);
      if (h !== hour) {
        hour = h;
        profile = this.profileAt(h);
      }
      const expected = base * profile * c;
      if (c >= MIN_BIN_COVER) {
        w.covered++;
        if (spend > 0 && spend >= SURGE_FACTOR * expected) w.elevatedBins++;
        else if (startOnly && w.covered - w.elevatedBins > hours) {
          w.noSurge = true;
          return w;
        }
      }
      if (i >= HOUR_BINS) continue;
      if (i < LATEST_BINS) {
        w.latestSpend += spend;
        w.latestExpected += expected;
        w.latestCover += c;
      }
      w.hourSpend += spend;
      w.hourExpected += expected;
      w.hourCover += c;
    }
    return w;
  }

  /** Whether the fine bins of the last `hours` hours show a surge beginning. */
  private surgeElevated(w: FineWindow, hours: number): boolean {
    // like a lull, a surge must stand out from the hour-to-hour noise of the history (once a day of
    // it is known): an account whose batch runs have spent this much in an hour before is not surging
    const significant =
      !Number.isFinite(this.hourSd) ||
      w.hourSpend - w.hourExpected >= SURGE_MIN_Z * this.hourSd * Math.sqrt(w.hourCover / HOUR);
    return (
      w.covered >= hours * MIN_COVERED_BINS &&
      w.elevatedBins >= Math.max(w.covered - hours, hours * MIN_ELEVATED_BINS) &&
      significant
    );
  }
}

/**
 * Second and third central moments of one hour's spend around `level * shape` over the completed
 * hours [from, to) the ring still holds and observed for at least half the hour; NaN with fewer than
 * a day of such hours. O(to - from).
 */
function hourMoments(
  ring: BinRing,
  from: number,
  to: number,
  level: number,
  shape: ArrayLike<number>,
  week: ArrayLike<number>,
  minHours = HOURS_PER_DAY,
): { m2: number; m3: number } {
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let n = 0;
  for (let h = Math.max(from, ring.head - ring.count + 1); h < to; h++) {
    const s = ring.slot(h);
    const c = ring.cover[s]!;
    if (c < HOUR / 2) continue;
    const r = (ring.spend[s]! / c - level * shape[hourOfDay(h)]! * week[dayOfWeek(h)]!) * HOUR;
    s1 += r;
    s2 += r * r;
    s3 += r * r * r;
    n++;
  }
  if (n < minHours) return { m2: Number.NaN, m3: Number.NaN };
  const mean = s1 / n;
  const m2 = s2 / n - mean * mean;
  const m3 = s3 / n - 3 * mean * (s2 / n) + 2 * mean ** 3;
  return { m2, m3 };
}

/** Scratch for earlySlope's answer, shared by all estimators like DAY_SCRATCH. */
const EARLY = { slope: 0, se: 0 };
const EARLY_SUMS = new Float64Array(6);

/**
 * The slope of the spend rate of the completed hours of the level window (each observed for at
 * least half of it) by least squares on time, relative to their mean (per hour), and its standard
 * error, into EARLY; false with under BAND_MIN_HOURS such hours. Against a flat profile: a profile
 * learned from a day or so would absorb a rise. O(LEVEL_HOURS).
 */
function earlySlope(ring: BinRing): boolean {
  const sums = EARLY_SUMS.fill(0);
  let n = 0;
  const from = Math.max(ring.head - LEVEL_HOURS, ring.head - ring.count + 1);
  for (let h = from; h < ring.head; h++) {
    const s = ring.slot(h);
    const c = ring.cover[s]!;
    if (c < HOUR / 2) continue;
    accumulate(sums, h - from, (ring.spend[s]! / c) * HOUR, 1);
    n++;
  }
  const fit = n < BAND_MIN_HOURS ? null : regress(sums, n);
  if (fit === null || !(fit.my > 0)) return false;
  EARLY.slope = fit.slope / fit.my;
  EARLY.se = fit.se / fit.my;
  return true;
}

/**
 * Whether a completed hour of the level window, observed for at least half of it and older than the
 * fine ring's span (so a surge going on now is not its own precedent), spent at least SURGE_FACTOR
 * times what the profile expected. O(LEVEL_HOURS).
 */
function anEarlierBurst(ring: BinRing, level: number, shape: ArrayLike<number>, week: ArrayLike<number>): boolean {
  if (!(level > 0)) return false;
  const last = ring.head - (FINE_BINS * FINE_WIDTH) / HOUR;
  for (let h = Math.max(ring.head - LEVEL_HOURS, ring.head - ring.count + 1); h < last; h++) {
    const s = ring.slot(h);
    const c = ring.cover[s]!;
    if (c < HOUR / 2) continue;
    if (ring.spend[s]! >= SURGE_FACTOR * level * shape[hourOfDay(h)]! * week[dayOfWeek(h)]! * c) return true;
  }
  return false;
}

/**
 * True when no hour of the day and no day of the week is a quiet one (a multiplier under
 * LULL_FACTOR): an account that has never paused (see LEVEL_CHANGE_PRIOR).
 */
function withoutQuietTimes(shape: ArrayLike<number>, week: ArrayLike<number>): boolean {
  for (let i = 0; i < HOURS_PER_DAY; i++) if (shape[i]! < LULL_FACTOR) return false;
  for (let i = 0; i < DAYS_PER_WEEK; i++) if (week[i]! < LULL_FACTOR) return false;
  return true;
}

/** True when the day-of-week profile is flat (not learned yet, or no weekly cycle). */
function weekFlat(week: ArrayLike<number>): boolean {
  for (let i = 0; i < DAYS_PER_WEEK; i++) if (week[i] !== 1) return false;
  return true;
}

/** Median of the non-NaN values among `xs[from..to)`, using `buf` as scratch. */
function medianOf(xs: Float64Array, from: number, to: number, buf: Float64Array): number {
  let m = 0;
  for (let i = from; i < to; i++) if (!Number.isNaN(xs[i]!)) buf[m++] = xs[i]!;
  const v = buf.subarray(0, m).sort();
  return m % 2 ? v[(m - 1) >> 1]! : (v[m / 2 - 1]! + v[m / 2]!) / 2;
}

/** Spend over the completed hours of the level window and its profile-weighted coverage; level = their ratio. */
function weeklyLevel(
  ring: BinRing,
  shape: ArrayLike<number>,
  week: ArrayLike<number>,
): { spend: number; weight: number; level: number } {
  let spend = 0;
  let weight = 0;
  for (let h = ring.head - LEVEL_HOURS; h < ring.head; h++) {
    if (!ring.holds(h)) continue;
    const s = ring.slot(h);
    spend += ring.spend[s]!;
    weight += ring.cover[s]! * shape[hourOfDay(h)]! * week[dayOfWeek(h)]!;
  }
  return { spend, weight, level: weight > 0 ? spend / weight : 0 };
}

function ringState(ring: BinRing) {
  return {
    head: Number.isFinite(ring.head) ? ring.head : null,
    spend: Array.from(ring.spend),
    cover: Array.from(ring.cover),
  };
}

function restoreRing(ring: BinRing, s: { head: number | null; spend: number[]; cover: number[] }): void {
  ring.head = s.head === null ? Number.NEGATIVE_INFINITY : s.head;
  ring.spend.set(s.spend);
  ring.cover.set(s.cover);
}
