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
 * the noise of a bursty or steady account flattens out. In that scatter a quiet day (one whose mean
 * hour spent under the median day's) is first scaled up to the median day: a quiet weekend dips
 * every hour alike, which is the weekly profile's business, not noise of the hours (counted as
 * noise, it flattened a business-hours shape enough to put a runway ending at a day's end hours
 * past it); days above the median are left as they are, so batch runs still count in full.
 */
export function hourOfDayProfile(
  ring: BinRing,
  days: number,
  out: Float64Array,
  before: number = ring.head,
): Float64Array {
  if (!(days >= 1 && days <= SCRATCH_DAYS)) {
    throw new RangeError(`hourOfDayProfile: days must be 1 to ${SCRATCH_DAYS}, got ${days}`);
  }
  const means = SCRATCH.hourMeans;
  const counts = SCRATCH.hourCounts.fill(0);
  let known = 0;
  let meanSum = 0;
  let within = 0;
  let withinDf = 0;
  const dayScale = quietDayScale(ring, days, before);
  for (let hod = 0; hod < HOURS_PER_DAY; hod++) {
    let n = 0;
    let sum = 0;
    let scaledSum = 0;
    let scaledSq = 0;
    // completed hours only: the newest one with this hour of day is strictly before the head
    let h = ring.head - 1 - hourOfDay(ring.head - 1 - hod);
    for (let d = 0; d < days && ring.holds(h); d++, h -= HOURS_PER_DAY) {
      if (h >= before) continue;
      const s = ring.slot(h);
      const c = ring.cover[s]!;
      if (c < MIN_HOUR_COVER) continue;
      const x = ring.spend[s]! / c;
      n++;
      sum += x;
      const y = x * dayScale[Math.floor((ring.head - 1 - h) / HOURS_PER_DAY)]!;
      scaledSum += y;
      scaledSq += y * y;
    }
    counts[hod] = n;
    if (n === 0) continue;
    const m = sum / n;
    means[hod] = m;
    known++;
    meanSum += m;
    if (n >= 2) {
      within += Math.max(0, scaledSq - (scaledSum * scaledSum) / n);
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

/**
 * For hourOfDayProfile's day-to-day scatter: per 24-hour block back from the newest complete hour
 * (block b holds the hours b days before it, as the profile walks them), the factor that scales a
 * quiet block (mean hourly rate under the median block's) up to the median block; 1 for the others
 * and for blocks with under half their hours observed.
 */
function quietDayScale(ring: BinRing, days: number, before: number): Float64Array {
  const scale = SCRATCH.dayScale.subarray(0, days).fill(1);
  const rates = SCRATCH.dayRates.subarray(0, days).fill(Number.NaN);
  let seen = 0;
  for (let b = 0; b < days; b++) {
    let sum = 0;
    let n = 0;
    for (let i = 0; i < HOURS_PER_DAY; i++) {
      const h = ring.head - 1 - b * HOURS_PER_DAY - i;
      if (h >= before || !ring.holds(h)) continue;
      const s = ring.slot(h);
      const c = ring.cover[s]!;
      if (c < MIN_HOUR_COVER) continue;
      sum += ring.spend[s]! / c;
      n++;
    }
    if (n >= HOURS_PER_DAY / 2) {
      rates[b] = sum / n;
      seen++;
    }
  }
  if (seen < 2) return scale;
  const sorted = SCRATCH.daySorted.subarray(0, days);
  sorted.set(rates);
  sorted.sort(); // NaN sorts last
  const median = sorted[(seen - 1) >> 1]!;
  for (let b = 0; b < days; b++) {
    const r = rates[b]!;
    if (r > 0 && r < median) scale[b] = median / r;
  }
  return scale;
}

export const DAYS_PER_WEEK = 7;
/** Days of complete history needed before a day-of-week profile is learned: more than a week. */
export const MIN_WEEKLY_DAYS = 8;

/**
 * Scratch shared by every estimator's profile refreshes (each fills what it reads before reading
 * it), so that a refresh allocates nothing; sized for up to SCRATCH_DAYS days of blocks.
 */
const SCRATCH_DAYS = 16;
const SCRATCH = {
  hourMeans: new Float64Array(HOURS_PER_DAY),
  hourCounts: new Uint8Array(HOURS_PER_DAY),
  dayScale: new Float64Array(SCRATCH_DAYS),
  dayRates: new Float64Array(SCRATCH_DAYS),
  daySorted: new Float64Array(SCRATCH_DAYS),
  weekSums: new Float64Array(DAYS_PER_WEEK),
  weekSumSqs: new Float64Array(DAYS_PER_WEEK),
  weekCounts: new Uint8Array(DAYS_PER_WEEK),
};

/** Position in the week (0-6, an index, not a named weekday) of absolute hour index `h`. */
export function dayOfWeek(h: number): number {
  const r = Math.floor(h / HOURS_PER_DAY) % DAYS_PER_WEEK;
  return r < 0 ? r + DAYS_PER_WEEK : r;
}

/**
 * The day-of-week profile: 7 multipliers with mean 1 (1 everywhere = flat, also while fewer than
 * MIN_WEEKLY_DAYS complete days, or not every day of the week, have been observed).
 *
 * Each complete (UTC) day the ring holds, observed for at least half of it, gives the ratio of its
 * spend to what the hour-of-day profile expected; a day of the week takes the mean of its ratios.
 * The profile is shrunk towards flat by how much the days of the week differ beyond the noise of
 * one day's ratio, which `hourVariance` (the variance of one hour's spend around the hour-of-day
 * profile at `level`) gives: a weekend keeps its dip, a bursty account stays flat.
 */
export function dayOfWeekProfile(
  ring: BinRing,
  hourShape: ArrayLike<number>,
  level: number,
  hourVariance: number,
  out: Float64Array,
): Float64Array {
  out.fill(1);
  if (!(level > 0) || !Number.isFinite(hourVariance)) return out;
  const sums = SCRATCH.weekSums.fill(0);
  const sumSqs = SCRATCH.weekSumSqs.fill(0);
  const counts = SCRATCH.weekCounts.fill(0);
  let noise = 0;
  let days = 0;
  const today = Math.floor(ring.head / HOURS_PER_DAY);
  for (let d = today - 1; ring.holds(d * HOURS_PER_DAY); d--) {
    let spend = 0;
    let expected = 0;
    let cover = 0;
    for (let h = d * HOURS_PER_DAY; h < (d + 1) * HOURS_PER_DAY; h++) {
      const s = ring.slot(h);
      spend += ring.spend[s]!;
      expected += level * hourShape[hourOfDay(h)]! * ring.cover[s]!;
      cover += ring.cover[s]!;
    }
    if (cover < DAY / 2 || !(expected > 0)) continue;
    const dow = dayOfWeek(d * HOURS_PER_DAY);
    const ratio = spend / expected;
    sums[dow]! += ratio;
    sumSqs[dow]! += ratio * ratio;
    counts[dow]!++;
    noise += (HOURS_PER_DAY * hourVariance) / (expected * expected);
    days++;
  }
  if (days < MIN_WEEKLY_DAYS) return out;
  let mean = 0;
  let within = 0;
  let withinDf = 0;
  for (let i = 0; i < DAYS_PER_WEEK; i++) {
    const n = counts[i]!;
    if (n === 0) return out;
    sums[i] = sums[i]! / n;
    mean += sums[i]!;
    within += Math.max(0, sumSqs[i]! - n * sums[i]! ** 2);
    withinDf += n - 1;
  }
  // the variance of one day's ratio: at least what the hours' noise gives, and at least how much
  // the same day of the week differs from one week to the next (a cycle must repeat: a trend,
  // which makes every day differ from the last, is not a weekly profile)
  const dayNoise = Math.max(noise / days, withinDf > 0 ? within / withinDf : 0);
  mean /= DAYS_PER_WEEK;
  if (!(mean > 0)) return out;
  let between = 0;
  let meanNoise = 0;
  for (let i = 0; i < DAYS_PER_WEEK; i++) {
    between += (sums[i]! / mean - 1) ** 2;
    // noise of a day-of-week mean: one day's variance over its count (relative to the mean)
    meanNoise += dayNoise / counts[i]! / (mean * mean);
  }
  between /= DAYS_PER_WEEK - 1;
  meanNoise /= DAYS_PER_WEEK;
  const weight = between > 0 ? Math.max(0, 1 - meanNoise / between) : 0;
  for (let i = 0; i < DAYS_PER_WEEK; i++) out[i] = 1 + weight * (sums[i]! / mean - 1);
  return out;
}
