import { DAY, DAYS_PER_WEEK, dayOfWeek, HOUR, HOURS_PER_DAY, hourOfDay } from "./profile.ts";

/**
 * The level scaled by `factor` from now until `until` (unix seconds): under 1 for a lull, over 1
 * for the active days' level after quiet ones.
 */
export interface NearTermScale {
  until: number;
  factor: number;
}

/** A trend projected from now on: spend multiplied by exp(perHour * hours from now) until `until` (unix seconds), then held. */
export interface Trend {
  perHour: number;
  until: number;
}

/** What projectRunway projects: the balance and the spend rate from `now` on. */
export interface RunwayProjection {
  /** Balance to be spent (currency). */
  balance: number;
  /** Start of the projection (unix seconds). */
  now: number;
  /** Spend per second before the profiles. */
  level: number;
  /** 24 hour-of-day multipliers of the level (mean 1). */
  hourShape: ArrayLike<number>;
  /** 7 day-of-week multipliers of the level (mean 1); null or absent = flat. */
  weekShape?: ArrayLike<number> | null;
  /** Spend per second added on top of the profiled level (a surge's excess). */
  extraPerSecond: number;
  /** A near-term scaling of the level; null or absent = none. */
  scale?: NearTermScale | null;
  /** A trend of the level; null or absent = none. */
  trend?: Trend | null;
}

/**
 * Seconds until `balance` is consumed when, from time `now` on, spending runs at
 * `level * hourShape[hour of day] * weekShape[day of week] + extraPerSecond` per second. `scale`
 * multiplies the level by its factor until its end; `trend` multiplies the level by
 * exp(perHour * hours from now) until its end and by its final value after it (the rate integrated
 * as it grows, not today's divided into the balance). Walks hour by hour through the scale, the
 * trend and to the next midnight, whole weeks at once, then day by day and hour by hour:
 * O(scale and trend hours + 7 + 2 * 24). Returns null when nothing would ever be spent.
 */
export function projectRunway(p: RunwayProjection): number | null {
  const { balance, now, level, hourShape: shape, extraPerSecond: extra } = p;
  const week = p.weekShape ?? null;
  const scale = p.scale ?? null;
  const trend = p.trend ?? null;
  if (balance <= 0) return 0;
  if (!((level + extra) * DAY > 0)) return null;
  const trendEnd = trend && trend.perHour !== 0 ? Math.floor(trend.until / HOUR) : Number.NEGATIVE_INFINITY;
  const perHour = trend ? trend.perHour : 0;
  const scaleEnd = scale ? Math.floor(scale.until / HOUR) : Number.NEGATIVE_INFINITY;
  const scaleFactor = scale ? scale.factor : 1;
  let shapeSum = 0;
  for (let i = 0; i < HOURS_PER_DAY; i++) shapeSum += shape[i]!;
  // the trend's multiplier for the hour being walked (at its middle), stepped by one hour's growth;
  // held at its value at the trend's end after it (no work at all without a trend)
  const startHour = Math.floor(now / HOUR);
  const trending = trendEnd > startHour;
  const hourGrowth = trending ? Math.exp(perHour) : 1;
  let mult = 1;
  let nextMult = trending ? Math.exp((perHour * ((startHour + 1.5) * HOUR - now)) / HOUR) : 1;
  const endMult = trending ? Math.exp((perHour * (trendEnd * HOUR - now)) / HOUR) : 1;
  // hour of day and position in the week of the hour walked, stepped with it (no division per hour);
  // recomputed where the hour jumps by whole weeks (beyond 2^53 it no longer steps exactly)
  let hour = startHour;
  let hod = hourOfDay(hour);
  let dow = dayOfWeek(hour);
  let remaining = balance;
  // rest of the current hour
  let rate = rateOf(level * mult, shape[hod]!, week ? week[dow]! : 1, hour < scaleEnd ? scaleFactor : 1, extra);
  const firstEnd = (hour + 1) * HOUR;
  let spend = rate * (firstEnd - now);
  if (spend >= remaining) return remaining / rate;
  remaining -= spend;
  let elapsed = firstEnd - now;
  hour++;
  if (++hod === HOURS_PER_DAY) {
    hod = 0;
    dow = dow === DAYS_PER_WEEK - 1 ? 0 : dow + 1;
  }
  // hour by hour through the rest of a scale or trend and up to the next midnight
  while (hour < scaleEnd || hour < trendEnd || hod !== 0) {
    if (trending) {
      if (hour < trendEnd) {
        mult = nextMult;
        nextMult *= hourGrowth;
      } else mult = endMult;
    }
    rate = rateOf(level * mult, shape[hod]!, week ? week[dow]! : 1, hour < scaleEnd ? scaleFactor : 1, extra);
    spend = rate * HOUR;
    if (spend >= remaining && rate > 0) return elapsed + remaining / rate;
    remaining -= spend;
    elapsed += HOUR;
    hour++;
    if (++hod === HOURS_PER_DAY) {
      hod = 0;
      dow = dow === DAYS_PER_WEEK - 1 ? 0 : dow + 1;
    }
  }
  // whole weeks, then whole days, at the level the trend has reached
  mult = endMult;
  const levelMult = level * mult;
  const extraPerDay = extra * HOURS_PER_DAY;
  let perWeek = 0;
  for (let d = 0, w = dow; d < DAYS_PER_WEEK; d++, w = w === DAYS_PER_WEEK - 1 ? 0 : w + 1) {
    perWeek += perDay(levelMult, week ? week[w]! : 1, shapeSum, extraPerDay);
  }
  if (!(perWeek > 0)) return null;
  const weeks = Math.floor(remaining / perWeek);
  if (weeks > 0) {
    remaining -= weeks * perWeek;
    elapsed += weeks * DAYS_PER_WEEK * DAY;
    hour += weeks * DAYS_PER_WEEK * HOURS_PER_DAY;
  }
  // from here on the hour may be past 2^53, where adding a day or an hour no longer adds it exactly:
  // the hour of day and day of the week are then taken from the hour itself, as it is
  const exact = Math.abs(hour) <= Number.MAX_SAFE_INTEGER - 2 * DAYS_PER_WEEK * HOURS_PER_DAY;
  if (!exact) {
    hod = hourOfDay(hour);
    dow = dayOfWeek(hour);
  }
  for (let d = 0; d < DAYS_PER_WEEK; d++) {
    const day = perDay(levelMult, week ? week[dow]! : 1, shapeSum, extraPerDay);
    if (day >= remaining) break;
    remaining -= day;
    elapsed += DAY;
    hour += HOURS_PER_DAY;
    if (exact) dow = dow === DAYS_PER_WEEK - 1 ? 0 : dow + 1;
    else dow = dayOfWeek(hour);
  }
  if (!exact) hod = hourOfDay(hour);
  // at most one more day, hour by hour (one spare step absorbs rounding)
  for (let i = 0; i <= HOURS_PER_DAY; i++) {
    rate = rateOf(levelMult, shape[hod]!, week ? week[dow]! : 1, hour < scaleEnd ? scaleFactor : 1, extra);
    spend = rate * HOUR;
    if (spend >= remaining && rate > 0) return elapsed + remaining / rate;
    remaining -= spend;
    elapsed += HOUR;
    hour++;
    if (!exact) {
      hod = hourOfDay(hour);
      dow = dayOfWeek(hour);
    } else if (++hod === HOURS_PER_DAY) {
      hod = 0;
      dow = dow === DAYS_PER_WEEK - 1 ? 0 : dow + 1;
    }
  }
  return elapsed;
}

/** Spend per second in an hour: the level (times the trend's multiplier) times the hour's and the day's multipliers and the scale, plus the extra. */
function rateOf(levelMult: number, hourFactor: number, dayFactor: number, scale: number, extra: number): number {
  return levelMult * hourFactor * dayFactor * scale + extra;
}

/** Spend in a day: like rateOf over the day's hours (their multipliers summing to `shapeSum`), without a scale. */
function perDay(levelMult: number, dayFactor: number, shapeSum: number, extraPerDay: number): number {
  return (levelMult * dayFactor * shapeSum + extraPerDay) * HOUR;
}
