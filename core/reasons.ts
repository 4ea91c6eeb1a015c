/**
 * The closed set of reasons a balance check can fail, and what to do about each.
 * The exporter reports them as `captcha_check_errors_total{reason}`, the action as its `reason` output,
 * the CLI on stderr. Adding a reason is a breaking change for alert rules: keep the set small.
 */
export const FAILURE_REASONS = [
  "auth", // the key was rejected: no quick retry; checked again after a cool-down (see schedule.ts)
  "no_funds", // the provider refused for lack of balance (ERROR_ZERO_BALANCE)
  "banned", // the IP or key is temporarily blocked: wait for the ban to lift
  "rate_limited", // too many requests (HTTP 429, ERROR_TOO_MUCH_REQUESTS, quota): back off
  "upstream", // the provider failed (5xx, ERROR_SERVER_ERROR, no free slot): transient
  "timeout", // no complete answer within the request timeout
  "network", // connection refused, reset, DNS failure
  "malformed", // an answer we could not understand (not JSON, not a finite number, unknown shape)
] as const;

export type FailureReason = (typeof FAILURE_REASONS)[number];

export function isFailureReason(value: string): value is FailureReason {
  return (FAILURE_REASONS as readonly string[]).includes(value);
}

/** How the caller should react to a failure of a given reason. */
export interface RetryPolicy {
  /** Whether retrying soon can help at all. */
  readonly retryable: boolean;
  /** Minimum wait before the next attempt, in milliseconds (before jitter). */
  readonly minDelayMs: number;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** Default cool-downs; providers refine `banned` (CaptchaAI 5 min, CapMonster 10 min). */
export const RETRY_POLICY: Readonly<Record<FailureReason, RetryPolicy>> = {
  auth: { retryable: false, minDelayMs: 15 * MINUTE },
  no_funds: { retryable: false, minDelayMs: 5 * MINUTE },
  banned: { retryable: false, minDelayMs: 10 * MINUTE },
  rate_limited: { retryable: true, minDelayMs: 30 * SECOND },
  upstream: { retryable: true, minDelayMs: 5 * SECOND },
  timeout: { retryable: true, minDelayMs: 5 * SECOND },
  network: { retryable: true, minDelayMs: 5 * SECOND },
  malformed: { retryable: true, minDelayMs: 5 * SECOND },
};
