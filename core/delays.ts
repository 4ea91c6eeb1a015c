/**
 * Every wait the project schedules goes through here: the exporter's polls, back-off and cool-downs,
 * a provider's Retry-After, the state writer, the CLI's and the action's retries, request timeouts.
 *
 * Node keeps a timer's delay in a signed 32-bit count of milliseconds: `setTimeout(fn, 2 ** 31)`
 * (about 24.8 days) or `setTimeout(fn, NaN)` fires after 1 ms, so one uncapped delay turns a
 * "wait a year" into thousands of calls a second. Delays are therefore clamped to MAX_DELAY_MS, far
 * below that limit; nothing the project means to wait is that long, so a delay at the clamp is a
 * hostile input or a bug, never a plan. Limits users can set are refused above their maximum at
 * configuration time (see MAX_POLL_INTERVAL_MS and friends), so the clamp is a last line of defence.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Node's largest timer delay: anything above fires after 1 ms. */
export const TIMER_LIMIT_MS = 2 ** 31 - 1;

/** The longest wait ever scheduled (a week; well under TIMER_LIMIT_MS). */
export const MAX_DELAY_MS = 7 * DAY;

/**
 * The longest poll interval an account may have. Longer would make the runway (and the alerts built
 * on it, which fire at under 24 h) meaningless: the balance would be older than the warning.
 */
export const MAX_POLL_INTERVAL_MS = DAY;

/** The longest `--state.write-interval`: spend history older than that is lost on a crash. */
export const MAX_STATE_WRITE_INTERVAL_MS = HOUR;

/** The longest `--timeout` of `balance` and `check` and the action's `timeout` input. */
export const MAX_CHECK_TIMEOUT_MS = 10 * MINUTE;

/**
 * The longest Retry-After honoured as asked. Providers' real bans last 5–10 minutes and their rate
 * limits seconds; a provider asking for more than an hour is treated like a ban: the wait is this
 * ceiling (and the caller logs it), after which the provider is asked again.
 */
export const RETRY_AFTER_CEILING_MS = HOUR;

/** A delay fit for a timer: finite, in [0, MAX_DELAY_MS]; NaN and +Infinity become the maximum. */
export function clampDelayMs(ms: number): number {
  if (Number.isNaN(ms) || ms > MAX_DELAY_MS) return MAX_DELAY_MS;
  if (ms <= 0) return 0;
  return Math.round(ms);
}

export interface BoundedRetryAfter {
  /** What to wait, ms: the provider's value, or RETRY_AFTER_CEILING_MS when it asked for more. */
  readonly waitMs: number;
  /** The provider asked for more than the ceiling (or for something that is not a duration). */
  readonly banLike: boolean;
}

/** A provider's Retry-After (ms from now, as parsed), bounded by RETRY_AFTER_CEILING_MS. */
export function boundRetryAfter(ms: number): BoundedRetryAfter {
  if (Number.isNaN(ms) || ms > RETRY_AFTER_CEILING_MS) return { waitMs: RETRY_AFTER_CEILING_MS, banLike: true };
  return { waitMs: Math.max(0, ms), banLike: false };
}

/** setTimeout with the delay clamped; unref'd when `unref` is true. */
export function safeTimeout(fn: () => void, ms: number, unref = false): NodeJS.Timeout {
  const t = setTimeout(fn, clampDelayMs(ms));
  if (unref) t.unref?.();
  return t;
}

/** setInterval with the period clamped (at least 1 ms). */
export function safeInterval(fn: () => void, ms: number): NodeJS.Timeout {
  return setInterval(fn, Math.max(1, clampDelayMs(ms)));
}

/** Resolves after `ms` (clamped). */
export function sleep(ms: number): Promise<void> {
  return new Promise<void>((resolve) => safeTimeout(resolve, ms));
}
