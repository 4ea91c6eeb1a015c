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
/** Variance of a sample median relative to that of one sample (normal approximation). */
const MEDIAN_VARIANCE_FACTOR = Math.PI / 2;

const scratch = new Float64Array(64);

function lowerMedian(values: Float64Array, n: number): number {
  // insertion sort of a handful of values
  for (let i = 1; i < n; i++) {
    const v = values[i]!;
    let j = i - 1;
    while (j >= 0 && values[j]! > v) {
      values[j + 1] = values[j]!;
      j--;
    }
    values[j + 1] = v;
  }
  return values[(n - 1) >> 1]!;
}

/**
 * The hour-of-day spend profile: 24 multipliers with mean 1 (1 everywhere = flat).
 *
 * Each hour of day takes the (lower) median of its per-day spend rates over the `days` days before
 * the ring's current hour, so a burst on one day does not become part of every day's profile. The
 * profile is then shrunk towards flat by how much its hour-to-hour differences stand out from the
 * day-to-day scatter: a real business-hours cycle keeps its shape, while the noise of a bursty or
 * steady account flattens out.
 */
export function hourOfDayProfile(ring: BinRing, days: number, out: Float64Array): Float64Array {
  const medians = new Float64Array(HOURS_PER_DAY);
  const counts = new Uint8Array(HOURS_PER_DAY);
  const spreads = new Float64Array(HOURS_PER_DAY);
  const maxDays = Math.min(days, scratch.length);
  let known = 0;
  let medianSum = 0;
  let pooledVar = 0;
  let pooledN = 0;
  for (let hod = 0; hod < HOURS_PER_DAY; hod++) {
    let n = 0;
    // completed hours only: the newest one with this hour of day is strictly before the head
    let h = ring.head - 1 - hourOfDay(ring.head - 1 - hod);
    for (let d = 0; d < maxDays && ring.holds(h); d++, h -= HOURS_PER_DAY) {
      const s = ring.slot(h);
      const c = ring.cover[s]!;
      if (c >= MIN_HOUR_COVER) scratch[n++] = ring.spend[s]! / c;
    }
    counts[hod] = n;
    if (n === 0) continue;
    const med = lowerMedian(scratch, n);
    medians[hod] = med;
    known++;
    medianSum += med;
    if (n >= 2) {
      for (let i = 0; i < n; i++) scratch[i] = Math.abs(scratch[i]! - med);
      const mad = lowerMedian(scratch, n) * 1.4826;
      // with two values the lower median of deviations is 0; use their half-difference instead
      const spread = n === 2 ? scratch[1]! : mad;
      spreads[hod] = spread;
      pooledVar += spread * spread;
      pooledN++;
    }
  }
  out.fill(1);
  if (known < 2 || medianSum <= 0) return out;
  const mean = medianSum / known;
  let between = 0;
  for (let hod = 0; hod < HOURS_PER_DAY; hod++) {
    if (counts[hod]! > 0) between += (medians[hod]! - mean) ** 2;
  }
  between /= known - 1;
  let weight: number;
  if (pooledN === 0) {
    weight = SINGLE_DAY_WEIGHT;
  } else {
    const sigma2 = pooledVar / pooledN;
    let noise = 0;
    for (let hod = 0; hod < HOURS_PER_DAY; hod++) {
      const n = counts[hod]!;
      if (n > 0) noise += (sigma2 * MEDIAN_VARIANCE_FACTOR) / n;
    }
    noise /= known;
    weight = between > 0 ? Math.max(0, 1 - noise / between) : 0;
  }
  for (let hod = 0; hod < HOURS_PER_DAY; hod++) {
    if (counts[hod]! > 0) out[hod] = 1 + weight * (medians[hod]! / mean - 1);
  }
  return out;
}
