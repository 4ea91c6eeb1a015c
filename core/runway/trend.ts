import { accumulate, regress } from "./least-squares.ts";
import { HOUR } from "./profile.ts";
import type { BinRing } from "./ring.ts";

/** Hours per block of the trend fit: a quarter of a day, so a trend shows after a day and a half. */
export const TREND_BLOCK_HOURS = 6;
/** Blocks with a known spend needed before a trend is fitted (a day and a half). */
export const TREND_MIN_BLOCKS = 6;
/**
 * Standard errors by which the slope must stand out before it counts at all; above that it is
 * shrunk towards zero by (z * se / slope)^2 (as the last day's rise is, see recentDay), so a slope
 * that barely clears the bar moves the projection barely.
 */
export const TREND_MIN_Z = 3;
/**
 * Standard errors by which each half of the window must rise (or fall) on its own: a trend is a
 * change that goes on, not a step between two levels.
 */
export const TREND_HALF_Z = 2;

/** The spend trend found by fitTrend (reused between calls: fitTrend allocates nothing). */
export interface SpendTrend {
  /** Fitted spend over the weekly level at the head (1 = the week's level; NaN = no fit). */
  levelNow: number;
  /** Relative change of spend per hour at the head (0.01 = +1 % an hour), after shrinkage; 0 = none. */
  perHour: number;
  /** Its standard error before shrinkage (per hour; NaN = no fit). */
  se: number;
  /** The fitted slope of log spend before the tests and shrinkage (per hour; 0 = no fit). */
  rawPerHour: number;
  /** Hours of history the fit spans (how far it may be extrapolated). */
  spanHours: number;
}

/**
 * A local linear trend of spend over the `hours` completed hours before the ring's head: the ratio
 * of spend to the profile's expectation (`expectedPerSecond(h)`, the weekly level times the hour's
 * profile) in blocks of TREND_BLOCK_HOURS, fitted by weighted least squares on time (weights: the
 * block's expected spend, so quiet nights count little), its slope tested against the scatter of
 * the blocks around the line. Writes into `out`. O(hours).
 *
 * A business-hours cycle is in the profile, so its blocks scatter little around a flat line; batch
 * runs scatter so widely that only a rise lasting days clears the bar; a deposit is no spend at all
 * and does not enter. What is left is a sustained rise or fall of the level itself.
 */
export function fitTrend(
  ring: BinRing,
  hours: number,
  expectedPerSecond: (h: number) => number,
  out: SpendTrend,
): SpendTrend {
  out.levelNow = 1;
  out.perHour = 0;
  out.se = Number.NaN;
  out.rawPerHour = 0;
  out.spanHours = 0;
  const end = ring.head;
  const start = Math.max(end - hours, ring.head - ring.count + 1);
  const lin = LIN.fill(0);
  const log = LOG.fill(0);
  const newer = NEWER.fill(0);
  const older = OLDER.fill(0);
  // the middle of the observed part of the window
  let first = end;
  for (let h = start; h < end; h++) {
    if (ring.cover[ring.slot(h)]! > 0) {
      first = h;
      break;
    }
  }
  const middle = (first + end) / 2;
  let nNewer = 0;
  let nOlder = 0;
  let n = 0;
  let oldest = 0;
  for (let b = end; b - TREND_BLOCK_HOURS >= start; b -= TREND_BLOCK_HOURS) {
    let spend = 0;
    let expected = 0;
    let cover = 0;
    for (let h = b - TREND_BLOCK_HOURS; h < b; h++) {
      const s = ring.slot(h);
      const c = ring.cover[s]!;
      if (c <= 0) continue;
      spend += ring.spend[s]!;
      expected += expectedPerSecond(h) * c;
      cover += c;
    }
    if (cover < (TREND_BLOCK_HOURS * HOUR) / 2 || !(expected > 0)) continue;
    const x = b - end - TREND_BLOCK_HOURS / 2;
    const ratio = spend / expected;
    accumulate(lin, x, ratio, expected);
    if (b - TREND_BLOCK_HOURS / 2 >= middle) {
      accumulate(newer, x, ratio, expected);
      nNewer++;
    } else {
      accumulate(older, x, ratio, expected);
      nOlder++;
    }
    if (spend > 0) accumulate(log, x, Math.log(ratio), spend);
    n++;
    oldest = end - b + TREND_BLOCK_HOURS;
  }
  if (n < TREND_MIN_BLOCKS) return out;
  const tested = regress(lin, n);
  const shape = regress(log, n);
  if (tested === null || shape === null) return out;
  out.spanHours = oldest;
  out.se = shape.se;
  out.rawPerHour = shape.slope;
  // the test: the slope of spend itself against the blocks' scatter around the line, in which a
  // burst of batch runs weighs as much as it cost; the size of the trend: the slope of log spend
  // (a share a day, compounding), in which every block weighs what it spent
  const z = tested.se > 0 ? Math.abs(tested.slope) / tested.se : Number.POSITIVE_INFINITY;
  if (z <= TREND_MIN_Z || Math.sign(tested.slope) !== Math.sign(shape.slope)) return out;
  // sustained: the older and the newer half of the window must each rise (or fall) on their own,
  // so a step (a quiet weekend before business days, a job switched off) is not a trend
  const a = regress(newer, nNewer);
  const c = regress(older, nOlder);
  if (a === null || c === null) return out;
  const sign = Math.sign(tested.slope);
  if (a.slope * sign < TREND_HALF_Z * a.se || c.slope * sign < TREND_HALF_Z * c.se) return out;
  const slopeKept = shape.slope * (1 - (TREND_MIN_Z / z) ** 2);
  // the line through the weighted centre, at the head: a multiple of the weekly level
  out.levelNow = Math.exp(shape.my - slopeKept * shape.mx);
  out.perHour = slopeKept;
  return out;
}

/** Weighted sums of a regression on time: w, wx, wy, wxx, wxy, wyy (scratch, shared). */
const LIN = new Float64Array(6);
const LOG = new Float64Array(6);
const NEWER = new Float64Array(6);
const OLDER = new Float64Array(6);
