import { DAY, HOUR, HOURS_PER_DAY, hourOfDay } from "./profile.ts";

/** A stretch of lower spending projected from now on: the level times `factor` until `until` (unix seconds). */
export interface Lull {
  until: number;
  factor: number;
}

/**
 * Seconds until `balance` is consumed when, from time `now` on, spending runs at
 * `level * shape[hour of day] + extra` per second (shape has mean 1 over the 24 hours).
 * Walks the rest of the current hour, whole days at once, then hour by hour: O(24).
 * `lull`, if given, scales the level by its factor until its end (hour by hour, at most its length).
 * Returns null when nothing would ever be spent.
 */
export function projectRunway(
  balance: number,
  now: number,
  level: number,
  shape: ArrayLike<number>,
  extra: number,
  lull: Lull | null = null,
): number | null {
  if (balance <= 0) return 0;
  const perDay = (level + extra) * DAY;
  if (!(perDay > 0)) return null;
  let remaining = balance;
  let hour = Math.floor(now / HOUR);
  // rest of the current hour
  const lullEnd = lull ? Math.floor(lull.until / HOUR) : hour;
  let rate = level * shape[hourOfDay(hour)]! * (hour < lullEnd ? lull!.factor : 1) + extra;
  const firstEnd = (hour + 1) * HOUR;
  let spend = rate * (firstEnd - now);
  if (spend >= remaining) return remaining / rate;
  remaining -= spend;
  let elapsed = firstEnd - now;
  hour++;
  // the rest of a lull, hour by hour
  for (; hour < lullEnd; hour++) {
    rate = level * shape[hourOfDay(hour)]! * lull!.factor + extra;
    spend = rate * HOUR;
    if (spend >= remaining && rate > 0) return elapsed + remaining / rate;
    remaining -= spend;
    elapsed += HOUR;
  }
  // whole days
  const days = Math.floor(remaining / perDay);
  if (days > 0) {
    remaining -= days * perDay;
    elapsed += days * DAY;
  }
  // at most one more day, hour by hour (one spare step absorbs rounding)
  for (let i = 0; i <= HOURS_PER_DAY; i++, hour++) {
    rate = level * shape[hourOfDay(hour)]! + extra;
    spend = rate * HOUR;
    if (spend >= remaining) return elapsed + remaining / rate;
    remaining -= spend;
    elapsed += HOUR;
  }
  return elapsed;
}
