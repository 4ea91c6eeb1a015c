/**
 * The pessimistic side of the runway: how widely the spend to come may turn out above the
 * projection. The runway's lower bound is the time by which the projected spend, raised by
 * BAND_Z of these standard deviations (of log spend), reaches the balance: under the model the
 * account outlives it with 90 % probability.
 */

/** The standard normal's 90th percentile: the bound is outlived with 90 % probability. */
export const BAND_Z = 1.2815515655446004;
/**
 * While a lull is projected, two independent things may make the runway shorter: the spend to come
 * may run above the projection, and the lull may end sooner than its median. The 90 % bound takes
 * each at an equal share of BAND_Z (root-sum-square: BAND_Z / sqrt(2) standard deviations each), so
 * the spend spread is raised by BAND_SPLIT_Z and the lull ends at its BAND_SPLIT_QUANTILE quantile
 * (the standard normal's probability below -BAND_SPLIT_Z, about 18 %), not both at their 10 %.
 */
export const BAND_SPLIT_Z = BAND_Z / Math.SQRT2;
export const BAND_SPLIT_QUANTILE = 0.18241664139292585;
/** Spread of log spend from the hour-to-hour noise while it is not known yet (under a day of history). */
export const BAND_UNKNOWN_SPREAD = 0.5;
/**
 * Prior of the day-to-day variance of spend over its expectation (a standard deviation of 50 % at
 * most), worth DAY_PRIOR_DAYS days: a young account's next days may differ from its first ones by
 * that much (its first weekday after a weekend start, a daily cycle not yet seen), and the days
 * measured take over as they come. Once the hourly noise is known it is at most the relative
 * variance of one hour (see spendSpread): a day's spend over its expectation is the mean of its
 * hours', so it varies at most as much as one hour does, when all its hours move together.
 */
export const DAY_VAR_PRIOR = 0.25;
export const DAY_PRIOR_DAYS = 2;
/**
 * Standard error of the trend (log spend per hour) before any trend can be fitted (under a day and
 * a half of history): growth of 20 % a day is as likely as none. The slope of the hours seen so far
 * (SpreadInputs.earlyTrend) replaces it when smaller, or, after a day, when it stands out.
 */
export const TREND_PRIOR_SE = Math.log(1.2) / 24;

export interface SpreadInputs {
  /** Hours ahead the spend is summed over. */
  hours: number;
  /** Spend projected over them (currency). */
  spend: number;
  /** Variance of one hour's spend around the profile (currency²); NaN = unknown. */
  hourVar: number;
  /** Independent observations the level is worth (spend² over its variance); the level's own error. */
  levelObs: number;
  /** Day-to-day variance of a day's spend over its expectation (NaN = unknown) and the days it is from. */
  dayVar: number;
  days: number;
  /**
   * How much faster than projected spend may grow (log spend per hour): the trend's standard
   * error plus what its tests and shrinkage left out of the projection; NaN = no fit (a prior applies).
   */
  trendSe: number;
  /** Hours the trend is projected for (its error grows over them, then stays). */
  trendHours: number;
  /** Mean spend of one hour (currency): hourVar over its square is the relative variance of an hour. */
  hourMean: number;
  /**
   * Before a trend can be fitted (trendSe NaN): how much faster than flat spend may grow (log spend
   * per hour), from the slope of the hours seen so far; NaN = too few hours (TREND_PRIOR_SE applies).
   */
  earlyTrend: number;
}

/**
 * Standard deviation of log spend over the next `hours`, from independent parts: the hour-to-hour
 * noise (summed over the hours, so it averages out over a long runway), the error of the level
 * (a mean of a week's spend), the day-to-day wandering of the level (future days average it out,
 * the week's mean holds its error; its prior no more than an hour's relative variance), and a
 * trend that may be steeper (or flatter) than fitted: its error in log spend grows with the
 * horizon while the trend is projected and stays at what it reached after that, averaged over the
 * hours (half the error at the horizon within the trend's `trendHours`).
 */
export function spendSpread(x: SpreadInputs): number {
  return spreadOver(spreadTerms(x, TERMS), x.hours);
}

/** The parts of spendSpread that do not depend on the horizon, worked out once per bound. */
interface SpreadTerms {
  /** The spread is unknown (BAND_UNKNOWN_SPREAD) whatever the horizon: nothing projected. */
  unknown: boolean;
  /** Variance of log spend per hour of horizon from the hourly noise. */
  perHour: number;
  /** Variance that the horizon does not change: unknown hourly noise, the level's error, the week's mean wandering. */
  fixed: number;
  /** Day-to-day variance, averaged out over the days of the horizon. */
  dayVar: number;
  /** Trend error: per hour of horizon before a fit; else the fit's standard error and its hours. */
  trendSlope: number;
  trendSe: number;
  trendHours: number;
}

/** Scratch for the terms, shared by all estimators (filled before each use). */
const TERMS: SpreadTerms = { unknown: false, perHour: 0, fixed: 0, dayVar: 0, trendSlope: 0, trendSe: 0, trendHours: 0 };

function spreadTerms(x: SpreadInputs, t: SpreadTerms): SpreadTerms {
  t.unknown = !(x.spend > 0) || !(x.hours > 0);
  if (t.unknown) return t;
  const hourKnown = Number.isFinite(x.hourVar);
  t.perHour = hourKnown ? x.hourVar / (x.spend * x.spend) : 0;
  const days = Number.isFinite(x.dayVar) ? x.days : 0;
  // a day varies at most as much as one of its hours (relative to their mean): no 50 % prior for
  // an account whose hours agree to a percent
  const hourRelVar = x.hourMean > 0 ? x.hourVar / (x.hourMean * x.hourMean) : Number.NaN;
  const prior = hourRelVar >= 0 ? Math.min(DAY_VAR_PRIOR, hourRelVar) : DAY_VAR_PRIOR;
  t.dayVar = ((days > 0 ? days * x.dayVar : 0) + DAY_PRIOR_DAYS * prior) / (days + DAY_PRIOR_DAYS);
  t.fixed = (hourKnown ? 0 : BAND_UNKNOWN_SPREAD ** 2) + 1 / Math.max(1, x.levelObs) + t.dayVar / Math.max(1, days);
  t.trendSe = x.trendSe;
  t.trendHours = x.trendHours;
  t.trendSlope = Number.isFinite(x.trendSe) ? 0 : (Number.isFinite(x.earlyTrend) ? x.earlyTrend : TREND_PRIOR_SE) / 2;
  return t;
}

function spreadOver(t: SpreadTerms, hours: number): number {
  if (t.unknown) return BAND_UNKNOWN_SPREAD;
  let err: number;
  if (!Number.isFinite(t.trendSe)) err = t.trendSlope * hours;
  else if (hours <= t.trendHours) err = (t.trendSe * hours) / 2;
  else err = t.trendSe * t.trendHours * (1 - t.trendHours / (2 * hours));
  return Math.sqrt(t.perHour * hours + t.fixed + t.dayVar / Math.max(1, hours / 24) + err * err);
}

/** Steps of the bisection in boundSpread, over BAND_SOLVE_SPAN of log hours (precision under 2 %). */
const BAND_SOLVE_STEPS = 10;
const BAND_SOLVE_SPAN = 12;

/**
 * The spread of log spend at the bound's horizon: the time T the bound points to is where the spend
 * to come, raised by `z` standard deviations of its own spread over T, uses up the balance, which
 * (with the runway taken as proportional to the balance) is T = runway * exp(-z * spread(T)). The
 * spread grows with the horizon (the trend's error, the hourly noise) and shrinks with it (the
 * day-to-day wandering averages out), so T is found by bisection on log T rather than by taking the
 * spread over the median runway. Sets `x.hours` to T; `runwayHours` > 0.
 */
export function boundSpread(x: SpreadInputs, runwayHours: number, z: number): number {
  // on the grid of BAND_SOLVE_GRID steps of log hours below the runway: step m is
  // runwayHours * exp(BAND_SOLVE_SPAN * (m / BAND_SOLVE_GRID - 1)), from a table (no exp per step)
  x.hours = runwayHours;
  const terms = spreadTerms(x, TERMS);
  let lo = 0;
  let hi = BAND_SOLVE_GRID;
  for (let i = 0; i < BAND_SOLVE_STEPS; i++) {
    const mid = (lo + hi) >> 1;
    if (LOG_OFFSET[mid]! + z * spreadOver(terms, runwayHours * HOURS_FACTOR[mid]!) > 0) hi = mid;
    else lo = mid;
  }
  x.hours = runwayHours * HOURS_FACTOR[lo]!;
  return spreadOver(terms, x.hours);
}

const BAND_SOLVE_GRID = 2 ** BAND_SOLVE_STEPS;
/** Log hours of grid step m relative to the runway's, and its factor on the runway's hours. */
const LOG_OFFSET = new Float64Array(BAND_SOLVE_GRID + 1);
const HOURS_FACTOR = new Float64Array(BAND_SOLVE_GRID + 1);
for (let m = 0; m <= BAND_SOLVE_GRID; m++) {
  LOG_OFFSET[m] = BAND_SOLVE_SPAN * (m / BAND_SOLVE_GRID - 1);
  HOURS_FACTOR[m] = Math.exp(LOG_OFFSET[m]!);
}
