import { DAY, HOUR, HOURS_PER_DAY, hourOfDay } from "./profile.ts";

/**
 * Seconds until `balance` is consumed when, from time `now` on, spending runs at
 * `level * shape[hour of day] + extra` per second (shape has mean 1 over the 24 hours).
 * Walks the rest of the current hour, whole days at once, then hour by hour: O(24).
 * Returns null when nothing would ever be spent.
 */
export function projectRunway(
  balance: number,
  now: number,
  level: number,
  shape: ArrayLike<number>,
  extra: number,
): number | null {
  if (balance <= 0) return 0;
  const perDay = (level + extra) * DAY;
  if (!(perDay > 0)) return null;
  let remaining = balance;
  let hour = Math.floor(now / HOUR);
  // rest of the current hour
  let rate = level * shape[hourOfDay(hour)]! + extra;
  const firstEnd = (hour + 1) * HOUR;
  let spend = rate * (firstEnd - now);
  if (spend >= remaining) return remaining / rate;
  remaining -= spend;
  let elapsed = firstEnd - now;
  hour++;
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
