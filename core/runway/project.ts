import { DAY, DAYS_PER_WEEK, dayOfWeek, HOUR, HOURS_PER_DAY, hourOfDay } from "./profile.ts";

/**
 * The level scaled by `factor` from now until `until` (unix seconds): under 1 for a lull, over 1
 * for a day at the active days' level after quiet ones.
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
  const rateAt = (h: number): number =>
    level * mult * shape[hourOfDay(h)]! * (week ? week[dayOfWeek(h)]! : 1) * (h < scaleEnd ? scaleFactor : 1) + extra;
  let remaining = balance;
  let hour = Math.floor(now / HOUR);
  // rest of the current hour
  let rate = rateAt(hour);
  const firstEnd = (hour + 1) * HOUR;
  let spend = rate * (firstEnd - now);
  if (spend >= remaining) return remaining / rate;
  remaining -= spend;
  let elapsed = firstEnd - now;
  hour++;
  // hour by hour through the rest of a scale or trend and up to the next midnight
  while (hour < scaleEnd || hour < trendEnd || hourOfDay(hour) !== 0) {
    if (trending) {
      if (hour < trendEnd) {
        mult = nextMult;
        nextMult *= hourGrowth;
      } else mult = endMult;
    }
    rate = rateAt(hour);
    spend = rate * HOUR;
    if (spend >= remaining && rate > 0) return elapsed + remaining / rate;
    remaining -= spend;
    elapsed += HOUR;
    hour++;
  }
  // whole weeks, then whole days, at the level the trend has reached
  mult = endMult;
  const perDayAt = (h: number): number => (level * mult * (week ? week[dayOfWeek(h)]! : 1) * shapeSum + extra * HOURS_PER_DAY) * HOUR;
  let perWeek = 0;
  for (let d = 0; d < DAYS_PER_WEEK; d++) perWeek += perDayAt(hour + d * HOURS_PER_DAY);
  if (!(perWeek > 0)) return null;
  const weeks = Math.floor(remaining / perWeek);
  if (weeks > 0) {
    remaining -= weeks * perWeek;
    elapsed += weeks * DAYS_PER_WEEK * DAY;
    hour += weeks * DAYS_PER_WEEK * HOURS_PER_DAY;
  }
  for (let d = 0; d < DAYS_PER_WEEK; d++) {
    const day = perDayAt(hour);
    if (day >= remaining) break;
    remaining -= day;
    elapsed += DAY;
    hour += HOURS_PER_DAY;
  }
  // at most one more day, hour by hour (one spare step absorbs rounding)
  for (let i = 0; i <= HOURS_PER_DAY; i++, hour++) {
    rate = rateAt(hour);
    spend = rate * HOUR;
    if (spend >= remaining && rate > 0) return elapsed + remaining / rate;
    remaining -= spend;
    elapsed += HOUR;
  }
  return elapsed;
}
