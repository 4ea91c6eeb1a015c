/**
 * When to ask a provider again: pure functions of the last outcome, so the rules are unit-tested
 * without timers. Shared by the exporter's pollers and the balance guard, so both back off alike.
 *
 * - success: the account's interval plus 0–5 % jitter (never earlier, so a provider's minimum holds);
 * - transient failures (upstream, timeout, network, malformed, rate_limited): exponential back-off
 *   from the reason's minimum delay, doubling per consecutive failure, capped at the interval
 *   (or the minimum delay when that is longer), plus 0–20 % jitter;
 * - a failure marked `transient: false` (an untrusted TLS certificate, proxy credentials refused:
 *   asking again soon cannot help) is not backed off like a transient one: the next try is a whole
 *   interval later (or the reason's minimum delay when that is longer), like a success's;
 * - auth, no_funds, banned: no retry before the cool-down (RETRY_POLICY, the provider's
 *   ban cool-down for `banned`), never sooner than the interval; repeated auth failures double the wait
 *   up to 4 × (one hour with the default policy), so a revoked key is reported, not hammered;
 * - a `retryAfterMs` from the provider is a floor (up to RETRY_AFTER_CEILING_MS: a provider asking for
 *   more is treated like a ban and asked again after the ceiling), and so is the provider's minimum
 *   interval;
 * - whatever the inputs, the result is clamped by core/delays (never past Node's timer limit, where a
 *   timer fires after 1 ms).
 */
import { boundRetryAfter, clampDelayMs } from "./delays.ts";
import type { FailureReason, RetryPolicy } from "./reasons.ts";

export interface ScheduleParams {
  readonly intervalMs: number;
  readonly minIntervalMs: number;
  readonly banCooldownMs: number;
  readonly policy: Readonly<Record<FailureReason, RetryPolicy>>;
}

export type CheckOutcome =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason: FailureReason;
      readonly retryAfterMs?: number;
      readonly consecutiveFailures: number;
      /** False when asking again soon cannot help (core/http.ts marks such failures). */
      readonly transient?: false;
    };

export const SUCCESS_JITTER = 0.05;
export const FAILURE_JITTER = 0.2;

/** Milliseconds from the start of the last check to the start of the next. `random` ∈ [0, 1). */
export function nextCheckDelayMs(outcome: CheckOutcome, p: ScheduleParams, random: number): number {
  if (outcome.ok) return clampDelayMs(Math.max(p.minIntervalMs, p.intervalMs * (1 + SUCCESS_JITTER * random)));
  const policy = p.policy[outcome.reason];
  const n = Math.max(1, outcome.consecutiveFailures);
  let delay: number;
  if (policy.retryable && outcome.transient !== false) {
    const base = policy.minDelayMs;
    delay = Math.min(base * 2 ** Math.min(n - 1, 30), Math.max(p.intervalMs, base));
  } else {
    const base = outcome.reason === "banned" ? Math.max(policy.minDelayMs, p.banCooldownMs) : policy.minDelayMs;
    const growth = outcome.reason === "auth" ? 2 ** Math.min(n - 1, 2) : 1;
    // (a retryable reason marked not transient lands here too: a whole interval, never a quick retry)
    delay = Math.max(base * growth, p.intervalMs);
  }
  delay *= 1 + FAILURE_JITTER * random;
  const retryAfter = outcome.retryAfterMs === undefined ? 0 : boundRetryAfter(outcome.retryAfterMs).waitMs;
  return clampDelayMs(Math.max(delay, retryAfter, p.minIntervalMs));
}

/**
 * Delay before the very first check, spread so that many accounts do not all call at once (a burst
 * of calls from one address looks like abuse to a provider, and costs memory here): over 2 s, or
 * 25 ms per account when there are more than 80, never more than one interval.
 */
export function firstCheckDelayMs(p: ScheduleParams, random: number, msSinceLastAttempt?: number, accounts = 1): number {
  const spread = Math.min(p.intervalMs, Math.max(Math.min(p.intervalMs * 0.1, 2000), accounts * 25)) * random;
  // After a restart, keep the provider's minimum interval since the attempt before the restart (an
  // attempt "in the future" means the clock went back: count it as just now).
  const wait = msSinceLastAttempt === undefined ? 0 : Math.max(0, p.minIntervalMs - Math.max(0, msSinceLastAttempt));
  return clampDelayMs(Math.max(spread, wait));
}
