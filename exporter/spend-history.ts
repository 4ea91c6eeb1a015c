/**
 * On a first start (no state-file entry for the account, not a reload), the runway estimator is
 * warmed from the provider's own record of recent spend where the provider has one (Anti-Captcha's
 * getSpendingStats: the last 24 hours by hour), so the runway is known at the first balance check
 * instead of hours later. One call per account, in the background beside the poller: it never
 * delays or blocks a balance check, and its failure (classified with the same reasons as a balance
 * check's) is logged once and costs nothing but the head start.
 */
import type { SpendHistoryResult, SpendRecord } from "../core/providers/spending-stats.ts";
import type { RunwayEstimate } from "../core/runway/types.ts";
import type { Logger } from "./logger.ts";
import type { ExporterMetrics } from "./metrics.ts";
import type { AccountStatus, PolledAccount } from "./poller.ts";

/** The part of the runway estimator this needs. */
export interface WarmableEstimator {
  warm(records: readonly SpendRecord[], nowSec: number): number;
  current(): RunwayEstimate;
}

export interface SpendHistoryDeps {
  readonly account: PolledAccount;
  readonly estimator: WarmableEstimator;
  readonly status: AccountStatus;
  readonly metrics: ExporterMetrics;
  readonly logger: Logger;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly now?: () => number;
}

/** True when the account's provider can say what it spent recently. */
export function hasSpendHistory(account: PolledAccount): boolean {
  return typeof account.provider.getSpendHistory === "function";
}

/** The one spend-history call for an account, and the warm-up it allows. Never throws. */
export async function warmFromSpendHistory(deps: SpendHistoryDeps): Promise<void> {
  const { account, estimator, status, metrics, logger } = deps;
  const get = account.provider.getSpendHistory;
  if (!get) return;
  const labels = status.labels;
  let result: SpendHistoryResult;
  try {
    result = await get.call(account.provider, {
      apiKey: account.apiKey,
      ...(account.apiUrl !== undefined ? { apiUrl: account.apiUrl } : {}),
      ...(account.network !== undefined ? { network: account.network } : {}),
      timeoutMs: deps.timeoutMs,
      signal: deps.signal,
    });
  } catch (err) {
    // providers classify instead of throwing; this is a last line of defence
    result = { ok: false, reason: "network", message: `spend history failed: ${(err as Error)?.name ?? "error"}` };
  }
  if (deps.signal.aborted) return;
  if (!result.ok) {
    logger.warn("spend history unavailable; the runway is learned from balance checks alone", {
      account: labels.account,
      provider: labels.provider,
      reason: result.reason,
      code: result.code,
      err: result.message,
    });
    return;
  }
  const nowSec = (deps.now ?? Date.now)() / 1000;
  const used = estimator.warm(result.records, nowSec);
  logger.info("runway estimator warmed from the provider's spend history", {
    account: labels.account,
    provider: labels.provider,
    hours: used,
  });
  // a balance check came first: show the warmed estimate now rather than at the next check
  if (used > 0 && status.balance !== null && status.lastSuccessAtMs !== null) {
    status.estimate = estimator.current();
    metrics.update(status);
  }
}
