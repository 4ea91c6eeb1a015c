/**
 * Reading a balance once, for the CLI and the action: transient failures are retried with exponential
 * back-off and equal jitter (see backoffDelay) within a deadline; `auth`, `no_funds`, `banned` and failures marked
 * `transient: false` (an untrusted TLS certificate, proxy credentials refused) never are.
 * (The exporter schedules its own polls instead: see exporter/.)
 */
import { boundRetryAfter, clampDelayMs, sleep as defaultSleep } from "./delays.ts";
import { RETRY_POLICY } from "./reasons.ts";
import type { BalanceRequest, BalanceResult, Provider } from "./providers/types.ts";

export interface RetryInfo {
  readonly attempt: number;
  readonly delayMs: number;
  readonly failure: Extract<BalanceResult, { ok: false }>;
}

export interface ReadBalanceOptions {
  /** Retries after the first attempt (0 = one attempt). */
  readonly retries: number;
  /** Overall budget for every attempt and wait, ms. */
  readonly deadlineMs: number;
  /** First back-off delay, ms (doubles each retry; jittered). Default 1000. */
  readonly baseDelayMs?: number;
  readonly onRetry?: (info: RetryInfo) => void;
  /** For tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly now?: () => number;
}

export type ReadBalanceResult = BalanceResult & { readonly attempts: number };

/**
 * Delay before retry number `retry` (1-based): "equal jitter", uniform between half of and the whole
 * exponential ceiling (baseDelayMs doubled each retry), so retries spread out but never come sooner
 * than half the ceiling, as full jitter (uniform from 0) could.
 */
export function backoffDelay(retry: number, baseDelayMs: number, random: () => number): number {
  const ceiling = baseDelayMs * 2 ** (retry - 1);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export async function readBalance(provider: Provider, req: BalanceRequest, opts: ReadBalanceOptions): Promise<ReadBalanceResult> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? defaultSleep;
  const random = opts.random ?? Math.random;
  const base = opts.baseDelayMs ?? 1000;
  const deadline = now() + opts.deadlineMs;
  let attempt = 0;
  for (;;) {
    attempt++;
    const remaining = Math.max(1, deadline - now());
    const timeoutMs = Math.min(req.timeoutMs ?? remaining, remaining);
    const result = await provider.getBalance({ ...req, timeoutMs });
    if (result.ok) return { ...result, attempts: attempt };
    if (!RETRY_POLICY[result.reason].retryable || result.transient === false || attempt > opts.retries) return { ...result, attempts: attempt };
    // a Retry-After past the ceiling is ban-like: over any deadline, so the failure is returned now
    const delayMs = clampDelayMs(result.retryAfterMs !== undefined ? boundRetryAfter(result.retryAfterMs).waitMs : backoffDelay(attempt, base, random));
    // leave at least a second for the next attempt itself
    if (now() + delayMs + 1000 > deadline) return { ...result, attempts: attempt };
    opts.onRetry?.({ attempt, delayMs, failure: result });
    await sleep(delayMs);
  }
}
