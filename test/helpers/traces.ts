/**
 * Seeded synthetic balance histories for the runway estimator's accuracy tests, with the true
 * runway at each sample. Spend is simulated minute by minute; samples are taken at varying poll
 * intervals, rounded like a provider API, with observation gaps.
 */

export type Scenario =
  | "steady"
  | "diurnal"
  | "batch"
  | "topups"
  | "leak"
  | "growth"
  | "slowdown"
  | "mixed"
  | "decline"
  | "ramp"
  | "gaps";

/**
 * Strengths of the `growth` scenario (spend multiplied by 1 + this each day, compounding), cycled
 * through by seed: a slow rise to a product taking off.
 */
export const GROWTH_PER_DAY = [0.05, 0.15, 0.3, 0.5] as const;
/**
 * `ramp`: spend rising linearly, by GROWTH_PER_DAY of its starting level each day (not compounding),
 * with observation noise in bursts of a few minutes; a growth the estimator was not shaped on.
 */
/** Strengths of the `decline` scenario (spend multiplied by 1 - this each day), cycled through by seed. */
export const DECLINE_PER_DAY = [0.05, 0.1, 0.15] as const;

export interface TraceOptions {
  scenario: Scenario;
  seed: number;
  /** Days until the money runs out (about). */
  days?: number;
  /** Poll interval range in seconds; each interval is drawn uniformly from it. */
  poll?: [number, number];
  /** Decimals the reported balance is rounded to. */
  decimals?: number;
  /** Insert a few observation gaps of 20 min to 4 h. */
  gaps?: boolean;
  /**
   * Daily change of spend for `growth` (e.g. 0.3: +30 % a day) and `decline` (e.g. 0.1: -10 % a
   * day); default: GROWTH_PER_DAY / DECLINE_PER_DAY by seed.
   */
  trendPerDay?: number;
}

export interface TraceRow {
  t: number;
  balance: number;
  /** Seconds until the spend that actually followed exhausts this balance (deposits ignored); null past the end. */
  truth: number | null;
  /** False where the truth depends on a change nothing before could foretell (before a leak). */
  scored: boolean;
}

export interface Trace {
  rows: TraceRow[];
  /** Exact spend and deposits over the sampled span. */
  spent: number;
  deposited: number;
  /** Unix seconds the leak started (leak scenario only). */
  leakAt: number | null;
  /** The exact spend of each minute from T0 (the first sample) on, as simulated. */
  spendPerMinute: Float64Array;
}

export const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z

/** mulberry32: small, seeded, good enough for test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Per-minute spend of a scenario over `minutes` minutes, with unit-free magnitudes. */
export function spendPerMinute(
  scenario: Scenario,
  minutes: number,
  rand: () => number,
  trendPerDay = 0,
): { spend: Float64Array; leakAt: number | null } {
  const spend = new Float64Array(minutes);
  let leakAt: number | null = null;
  const weekendOffset = Math.floor(rand() * 7);
  // the moment spend changes in a way nothing before it foretells (leak: jumps; slowdown: drops)
  if (scenario === "leak" || scenario === "slowdown") leakAt = Math.floor(minutes * (0.45 + 0.2 * rand()));
  const leakFactor = 3 + 3 * rand();
  const cycle = (scenario === "growth" || scenario === "decline") && rand() < 0.5;
  let burstLeft = 0;
  let burstRate = 0;
  for (let m = 0; m < minutes; m++) {
    const noise = 0.85 + 0.3 * rand();
    const hour = (m / 60) % 24;
    let rate: number;
    switch (scenario) {
      case "steady":
      case "topups":
      case "gaps":
        rate = 1;
        break;
      case "leak":
        rate = leakAt !== null && m >= leakAt ? leakFactor : 1;
        break;
      case "ramp":
        rate = (1 + (trendPerDay * m) / 1440) * (rand() < 0.02 ? 3 : 1);
        break;
      case "growth":
      case "decline": {
        // a business growing (or winding down) by a steady share a day, compounding; in every other
        // trace with a business-hours cycle on top (no weekends)
        const sign = scenario === "growth" ? 1 : -1;
        const trend = Math.exp((Math.log(1 + sign * trendPerDay) * m) / 1440);
        const business = hour >= 8 && hour < 19 ? Math.sin((Math.PI * (hour - 8)) / 11) : 0;
        rate = trend * (cycle ? 0.3 + 1.7 * business : 1);
        break;
      }
      case "slowdown":
        rate = leakAt !== null && m >= leakAt ? 1 / leakFactor : 1;
        break;
      case "mixed":
      case "diurnal": {
        const day = Math.floor(m / 1440);
        const weekend = (day + weekendOffset) % 7 >= 5;
        const business = hour >= 8 && hour < 19 ? Math.sin((Math.PI * (hour - 8)) / 11) : 0;
        rate = (0.1 + 2.5 * business) * (weekend ? 0.3 : 1);
        if (scenario === "mixed") {
          // business hours plus batch jobs started during working days
          if (burstLeft <= 0 && business > 0 && !weekend && rand() < 1 / (8 * 60)) {
            burstLeft = 15 + Math.floor(rand() * 45);
            burstRate = 10 + rand() * 40;
          }
          if (burstLeft > 0) {
            rate += burstRate;
            burstLeft--;
          }
        }
        break;
      }
      case "batch": {
        if (burstLeft <= 0 && rand() < 1 / (10 * 60)) {
          burstLeft = 20 + Math.floor(rand() * 60);
          burstRate = 100 + rand() * 600;
        }
        rate = 0.05;
        if (burstLeft > 0) {
          rate += burstRate;
          burstLeft--;
        }
        break;
      }
    }
    spend[m] = (rate * noise) / 60;
  }
  return { spend, leakAt };
}

/** Generates one trace. Balances are in currency units; the account runs dry after about `days` days. */
export function generateTrace(opts: TraceOptions): Trace {
  const rand = rng(opts.seed * 7919 + opts.scenario.length);
  const days = opts.days ?? 5;
  const [pollMin, pollMax] = opts.poll ?? [60, 60];
  const decimals = opts.decimals ?? 4;
  const minutes = Math.round(days * 1440);
  const strengths = opts.scenario === "decline" ? DECLINE_PER_DAY : GROWTH_PER_DAY;
  const trendPerDay = opts.trendPerDay ?? strengths[Math.abs(opts.seed) % strengths.length]!;
  const { spend, leakAt } = spendPerMinute(opts.scenario, minutes, rand, trendPerDay);
  // scale so the money lasts `days` days, starting from a balance of a few hundred units at most
  const cum = new Float64Array(minutes + 1);
  for (let m = 0; m < minutes; m++) cum[m + 1] = cum[m]! + spend[m]!;
  const deposits = new Map<number, number>();
  let initial = cum[minutes]!;
  if (opts.scenario === "topups") {
    // deposits every one to three days keep the account alive; the final stretch runs dry
    let m = Math.floor(1440 * (1 + 2 * rand()));
    let depositsTotal = 0;
    while (m < minutes - 1440) {
      const amount = Math.round((0.5 + rand()) * 1440 * 2) / 2 / 60;
      deposits.set(m, amount);
      depositsTotal += amount;
      m += Math.floor(1440 * (1 + 2 * rand()));
    }
    initial = Math.max(cum[minutes]! - depositsTotal, cum[minutes]! * 0.2);
  }
  // exact balance before minute m (after deposits in earlier minutes)
  const balanceAt = new Float64Array(minutes + 1);
  balanceAt[0] = initial;
  for (let m = 0; m < minutes; m++) {
    const d = deposits.get(m) ?? 0;
    balanceAt[m + 1] = balanceAt[m]! - spend[m]! + d;
  }
  // gaps: [start, end) in minutes
  const gaps: [number, number][] = [];
  if (opts.scenario === "gaps") {
    // the account is watched through outages: one or two a day of 1 to 8 hours (exporter restarts,
    // a provider unreachable, a network down overnight), whatever opts.gaps says
    const n = Math.round((minutes / 1440) * (1 + rand()));
    for (let i = 0; i < n; i++) {
      const start = Math.floor(rand() * (minutes - 600));
      gaps.push([start, start + 60 + Math.floor(rand() * 420)]);
    }
  } else if (opts.gaps) {
    const n = 2 + Math.floor(rand() * 3);
    for (let i = 0; i < n; i++) {
      const start = Math.floor(rand() * (minutes - 300));
      gaps.push([start, start + 20 + Math.floor(rand() * 220)]);
    }
  }
  const inGap = (m: number) => gaps.some(([a, b]) => m >= a && m < b);
  const rows: TraceRow[] = [];
  const scale = 10 ** decimals;
  let firstCum = Number.NaN;
  let lastCum = 0;
  let firstMinute = -1;
  let lastMinute = -1;
  for (let t = 0; t < minutes * 60; t += pollMin + Math.floor(rand() * (pollMax - pollMin + 1))) {
    const m = Math.floor(t / 60);
    if (inGap(m)) continue;
    const part = spend[m]! * ((t % 60) / 60);
    const exact = balanceAt[m]! - part;
    if (exact <= 0) break;
    // truth: time until the spend that follows consumes `exact`
    const here = cum[m]! + part;
    let target = here + exact;
    // the balance and the cumulative spend are summed in different orders: a target within rounding
    // of the total is the end of the trace, not past it
    if (target > cum[minutes]! && target <= cum[minutes]! * (1 + 1e-9)) target = cum[minutes]!;
    let truth: number | null = null;
    if (target <= cum[minutes]!) {
      let lo = m;
      let hi = minutes;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cum[mid + 1]! >= target) hi = mid;
        else lo = mid + 1;
      }
      const within = spend[lo]! > 0 ? (target - cum[lo]!) / spend[lo]! : 0;
      truth = (lo + within) * 60 - t;
    }
    if (Number.isNaN(firstCum)) {
      firstCum = here;
      firstMinute = m;
    }
    lastCum = here;
    lastMinute = m;
    rows.push({ t: T0 + t, balance: Math.round(exact * scale) / scale, truth, scored: leakAt === null || m >= leakAt });
  }
  let deposited = 0;
  for (const [m, amount] of deposits) if (m >= firstMinute && m < lastMinute) deposited += amount;
  return {
    rows,
    spent: lastCum - firstCum,
    deposited,
    leakAt: leakAt === null ? null : T0 + leakAt * 60,
    spendPerMinute: spend,
  };
}

/**
 * A minute of the `batch` family spends more than this while a batch run is on: 1 an hour, twenty
 * times what its background can spend and a hundredth of the least a run spends.
 */
const RUN_MIN_SPEND_PER_MINUTE = 1 / 60;

/** The batch runs of a `batch` trace's spendPerMinute: first and last-plus-one minute, and what each cost. */
export function batchRuns(spend: Float64Array): { start: number; end: number; cost: number }[] {
  const runs: { start: number; end: number; cost: number }[] = [];
  for (let m = 0; m < spend.length; m++) {
    if (!(spend[m]! > RUN_MIN_SPEND_PER_MINUTE)) continue;
    const start = m;
    let cost = 0;
    for (; m < spend.length && spend[m]! > RUN_MIN_SPEND_PER_MINUTE; m++) cost += spend[m]!;
    runs.push({ start, end: m, cost });
  }
  return runs;
}

export interface Score {
  /** Median |ln(estimate / truth)| (unknown estimates count as 60 days). */
  median: number;
  rows: number;
  /** Share of the scored rows within 25 % of the truth. */
  within: number;
  /** 24 h alert: share of rows with a truth under 18 h whose estimate is 24 h or more (null: no such row). */
  miss: number | null;
  /** 24 h alert: share of rows with a truth over 36 h whose estimate is under 24 h (null: no such row). */
  falseAlarm: number | null;
}

const DAY = 86_400;
const CAP = 60 * DAY;

/** An estimate as it is scored: an unknown one counts as 60 days, others are held within 1 minute to 60 days. */
export function scoredEstimate(e: number | null | undefined): number {
  return e === null || e === undefined ? CAP : Math.min(Math.max(e, 60), CAP);
}

/** The rows scoreEstimates scores: after 6 h of history, with a truth of 30 min to 14 days, not before a leak. */
export function isScored(r: TraceRow, t0: number): r is TraceRow & { truth: number } {
  return r.truth !== null && r.scored && r.truth >= 1800 && r.truth <= 14 * DAY && r.t - t0 >= 6 * 3600;
}

/**
 * Calibration of a pessimistic bound: the share of the scored rows whose truth fell below it
 * (an unknown bound counts as not below: it promised nothing). Target for a 90 % bound: 10 %.
 * Also the bound's false 24-hour alarms (CaptchaRunwayMayRunOut): of the scored rows with a truth
 * over 36 h (`longRows`), those whose bound was under 24 h (`falseAlarms`).
 */
export function shareBelow(
  rows: TraceRow[],
  bounds: (number | null)[],
): { below: number; rows: number; falseAlarms: number; longRows: number } {
  const t0 = rows[0]!.t;
  let n = 0;
  let below = 0;
  let falseAlarms = 0;
  let longRows = 0;
  rows.forEach((r, i) => {
    if (!isScored(r, t0)) return;
    n++;
    const b = bounds[i];
    if (b !== null && b !== undefined && r.truth < b) below++;
    if (r.truth > 1.5 * DAY) {
      longRows++;
      if (b !== null && b !== undefined && b < DAY) falseAlarms++;
    }
  });
  return { below, rows: n, falseAlarms, longRows };
}

/** Scores estimates like the project's trace scorer: rows after 6 h of history with a truth of 30 min to 14 days. */
export function scoreEstimates(rows: TraceRow[], estimates: (number | null)[]): Score {
  const errs: number[] = [];
  const t0 = rows[0]!.t;
  let within = 0;
  let missN = 0;
  let missD = 0;
  let faN = 0;
  let faD = 0;
  rows.forEach((r, i) => {
    if (!isScored(r, t0)) return;
    const e = estimates[i];
    const v = scoredEstimate(e);
    errs.push(Math.abs(Math.log(v / r.truth)));
    if (v / r.truth >= 0.8 && v / r.truth <= 1.25) within++;
    if (r.truth < 0.75 * DAY) {
      missD++;
      if (v >= DAY) missN++;
    }
    if (r.truth > 1.5 * DAY) {
      faD++;
      if (v < DAY) faN++;
    }
  });
  errs.sort((a, b) => a - b);
  return {
    median: errs.length ? errs[(errs.length - 1) >> 1]! : Number.NaN,
    rows: errs.length,
    within: errs.length ? within / errs.length : Number.NaN,
    miss: missD ? missN / missD : null,
    falseAlarm: faD ? faN / faD : null,
  };
}

/** PromQL predict_linear / deriv: least-squares slope of the balance over a sliding window. */
export function predictLinear(rows: TraceRow[], windowSec: number): (number | null)[] {
  const out: (number | null)[] = [];
  let lo = 0;
  let n = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  const base = rows[0]?.t ?? 0;
  for (const r of rows) {
    const x = r.t - base;
    n++;
    sx += x;
    sy += r.balance;
    sxx += x * x;
    sxy += x * r.balance;
    while (rows[lo]!.t < r.t - windowSec) {
      const o = rows[lo]!;
      const xo = o.t - base;
      n--;
      sx -= xo;
      sy -= o.balance;
      sxx -= xo * xo;
      sxy -= xo * o.balance;
      lo++;
    }
    const den = n * sxx - sx * sx;
    if (n < 2 || den <= 0) {
      out.push(null);
      continue;
    }
    const slope = (n * sxy - sx * sy) / den;
    out.push(slope < 0 ? r.balance / -slope : null);
  }
  return out;
}
