import type { BinRing } from "./ring.ts";

export const HOUR = 3600;
export const DAY = 86_400;
export const HOURS_PER_DAY = 24;

/** Hour of day (UTC) of absolute hour index `h`. */
export function hourOfDay(h: number): number {
  const r = h % HOURS_PER_DAY;
  return r < 0 ? r + HOURS_PER_DAY : r;
}

/** Minimum coverage for an hour to count as one day's sample of its hour of day. */
const MIN_HOUR_COVER = HOUR / 2;
/** Shrinkage weight used while no day-to-day variation can be measured (a single day of history). */
const SINGLE_DAY_WEIGHT = 0.5;

/**
 * The hour-of-day spend profile: 24 multipliers with mean 1 (1 everywhere = flat).
 *
 * Each hour of day takes the mean of its per-day spend rates over the `days` days before the
 * ring's current hour (the mean, not the median: what a bursty account spends on average is what
 * it will spend). The profile is then shrunk towards flat by how much its hour-to-hour differences
 * stand out from the day-to-day scatter of those means (pooled sample variance over the days, so
 * the heavy tails of batch runs count in full): a real business-hours cycle keeps its shape, while
 * the noise of a bursty or steady account flattens out.
 */
export function hourOfDayProfile(ring: BinRing, days: number, out: Float64Array): Float64Array {
  const means = new Float64Array(HOURS_PER_DAY);
  const counts = new Uint8Array(HOURS_PER_DAY);
  let known = 0;
  let meanSum = 0;
  let within = 0;
  let withinDf = 0;
  for (let hod = 0; hod < HOURS_PER_DAY; hod++) {
    let n = 0;
    let sum = 0;
    let sumSq = 0;
    // completed hours only: the newest one with this hour of day is strictly before the head
    let h = ring.head - 1 - hourOfDay(ring.head - 1 - hod);
    for (let d = 0; d < days && ring.holds(h); d++, h -= HOURS_PER_DAY) {
      const s = ring.slot(h);
      const c = ring.cover[s]!;
      if (c < MIN_HOUR_COVER) continue;
      const x = ring.spend[s]! / c;
      n++;
      sum += x;
      sumSq += x * x;
    }
    counts[hod] = n;
    if (n === 0) continue;
    const m = sum / n;
    means[hod] = m;
    known++;
    meanSum += m;
    if (n >= 2) {
      within += Math.max(0, sumSq - n * m * m);
      withinDf += n - 1;
    }
  }
  out.fill(1);
  if (known < 2 || meanSum <= 0) return out;
  const mean = meanSum / known;
  let between = 0;
  for (let hod = 0; hod < HOURS_PER_DAY; hod++) {
    if (counts[hod]! > 0) between += (means[hod]! - mean) ** 2;
  }
  between /= known - 1;
  let weight: number;
  if (withinDf === 0) {
    weight = SINGLE_DAY_WEIGHT;
  } else {
    // expected between-hour variance of the means if every hour had the same true rate
    const sigma2 = within / withinDf;
    let noise = 0;
    for (let hod = 0; hod < HOURS_PER_DAY; hod++) {
      const n = counts[hod]!;
      if (n > 0) noise += sigma2 / n;
    }
    noise /= known;
    weight = between > 0 ? Math.max(0, 1 - noise / between) : 0;
  }
  for (let hod = 0; hod < HOURS_PER_DAY; hod++) {
    if (counts[hod]! > 0) out[hod] = 1 + weight * (means[hod]! / mean - 1);
  }
  return out;
}
