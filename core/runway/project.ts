import { DAY, DAYS_PER_WEEK, dayOfWeek, HOUR, HOURS_PER_DAY, hourOfDay } from "./profile.ts";

/** A stretch of lower spending projected from now on: the level times `factor` until `until` (unix seconds). */
export interface Lull {
  until: number;
  factor: number;
}

/** A trend projected from now on: spend multiplied by exp(perHour * hours from now) until `until` (unix seconds), then held. */
export interface Trend {
  perHour: number;
  until: number;
}

/**
 * Seconds until `balance` is consumed when, from time `now` on, spending runs at
 * `level * shape[hour of day] * week[day of week] + extra` per second (shape has mean 1 over the
 * 24 hours, week over the 7 days; null = flat). `lull`, if given, scales the level by its factor
 * until its end; `trend`, if given, multiplies the level by exp(perHour * hours from now) until its
 * end and by its final value after it (the rate integrated as it grows, not today's divided into the
 * balance). Walks hour by hour through the lull, the trend and to the next midnight, whole weeks at
 * once, then day by day and hour by hour: O(lull and trend hours + 7 + 2 * 24). Returns null when
 * nothing would ever be spent.
 */
export function projectRunway(
  balance: number,
  now: number,
  level: number,
  shape: ArrayLike<number>,
  extra: number,
  lull: Lull | null = null,
  week: ArrayLike<number> | null = null,
  trend: Trend | null = null,
): number | null {
  if (balance <= 0) return 0;
  if (!((level + extra) * DAY > 0)) return null;
  const trendEnd = trend && trend.perHour !== 0 ? Math.floor(trend.until / HOUR) : Number.NEGATIVE_INFINITY;
  const perHour = trend ? trend.perHour : 0;
  const lullEnd = lull ? Math.floor(lull.until / HOUR) : Number.NEGATIVE_INFINITY;
  const lullFactor = lull ? lull.factor : 1;
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
    level * mult * shape[hourOfDay(h)]! * (week ? week[dayOfWeek(h)]! : 1) * (h < lullEnd ? lullFactor : 1) + extra;
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
  // hour by hour through the rest of a lull or trend and up to the next midnight
  while (hour < lullEnd || hour < trendEnd || hourOfDay(hour) !== 0) {
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
