/**
 * One poller per account: checks the balance on the account's own schedule, feeds the runway
 * estimator, and writes the results into the account's status, from which the metrics, the landing
 * page and the state file are derived. At most one request per account is in flight; scrapes never
 * trigger one.
 */
import { boundRetryAfter, clampDelayMs, safeTimeout } from "../core/delays.ts";
import type { NetworkOptions } from "../core/http.ts";
import type { PriceTable } from "../core/pricing.ts";
import type { BalanceResult, Provider } from "../core/providers/types.ts";
import { type FailureReason, RETRY_POLICY, type RetryPolicy } from "../core/reasons.ts";
import type { RunwayEstimate } from "../core/runway/types.ts";
import type { Logger } from "./logger.ts";
import type { AccountLabels, ExporterMetrics } from "./metrics.ts";
import { firstCheckDelayMs, nextCheckDelayMs, type ScheduleParams } from "../core/schedule.ts";

/** The part of core/runway's RunwayEstimator the poller uses. */
export interface Estimator {
  observe(timestampSec: number, balance: number): RunwayEstimate;
  current(): RunwayEstimate;
  toState(): unknown;
}

export interface BalancePoint {
  /** Unix seconds. */
  readonly t: number;
  readonly balance: number;
}

/**
 * What the exporter knows about an account: the state its metrics are derived from
 * (metric-definitions.ts), and what the landing page and the state file show. Whoever changes it
 * calls `ExporterMetrics.update` with it.
 */
export interface AccountStatus {
  readonly labels: AccountLabels;
  readonly intervalMs: number;
  /** The account's prices per solve (captcha_solves_remaining). */
  readonly prices: PriceTable;
  currency: string;
  balance: number | null;
  estimate: RunwayEstimate;
  /**
   * Whether balance and estimate are this run's (a successful check, or carried over by a reload)
   * rather than only the state file's: until then the metrics show no balance, rate, runway or solves.
   */
  valuesCurrent: boolean;
  checks: number;
  lastAttemptAtMs: number | null;
  lastSuccessAtMs: number | null;
  lastError: { reason: FailureReason; message: string; atMs: number } | null;
  /** How long the last check took, successful or not; null before the first one. */
  lastCheckDurationSeconds: number | null;
  up: boolean | null;
  consecutiveFailures: number;
  nextCheckAtMs: number | null;
  errors: Record<FailureReason, number>;
  /** Bounded balance history for the landing page's chart (oldest first). */
  history: BalancePoint[];
}

/** What is known of an account before its first check: its configuration and its estimator's estimate. */
export type AccountSetup = Pick<AccountStatus, "labels" | "intervalMs" | "prices" | "currency" | "estimate">;

/** The status of an account not checked yet; every other field is "nothing known". */
export function uncheckedStatus(setup: AccountSetup): AccountStatus {
  return {
    ...setup,
    balance: null,
    valuesCurrent: false,
    checks: 0,
    lastAttemptAtMs: null,
    lastSuccessAtMs: null,
    lastError: null,
    lastCheckDurationSeconds: null,
    up: null,
    consecutiveFailures: 0,
    nextCheckAtMs: null,
    errors: emptyErrors(),
    history: [],
  };
}

export interface PolledAccount {
  readonly name: string;
  /** The `provider` label: the provider's name, or `demo`. */
  readonly providerLabel: string;
  readonly provider: Provider;
  readonly apiKey: string;
  readonly apiUrl?: string;
  /** The account's own proxy and CA file. */
  readonly network?: NetworkOptions;
  readonly intervalMs: number;
  readonly prices: PriceTable;
  /**
   * The balance's currency as configured for the account (none of the protocols says it; RuCaptcha
   * reports in the account's own). When absent, the provider's default (`BalanceOk.currency`).
   */
  readonly currency?: string;
}

export interface PollerDeps {
  readonly metrics: ExporterMetrics;
  readonly logger: Logger;
  readonly estimator: Estimator;
  readonly status: AccountStatus;
  /** Called just before each call to the provider, with lastAttemptAtMs set (the attempt journal). */
  readonly onAttempt?: (status: AccountStatus) => void;
  /** Called after every finished check (state file, readiness). */
  readonly onChecked?: (status: AccountStatus) => void;
  readonly now?: () => number;
  readonly random?: () => number;
  /** Per-request timeout (default: 10 s, at most half the interval when that is longer than 1 s). */
  readonly requestTimeoutMs?: number;
  /** Override of core/reasons RETRY_POLICY (tests shorten the cool-downs). */
  readonly retryPolicy?: Readonly<Record<FailureReason, RetryPolicy>>;
  readonly maxHistory?: number;
}

/** Points of balance history per account for the landing chart (2 h at the default 1-min interval). */
export const DEFAULT_MAX_HISTORY = 120;

export class AccountPoller {
  readonly account: PolledAccount;
  readonly #deps: PollerDeps;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #schedule: ScheduleParams;
  #timer: NodeJS.Timeout | null = null;
  #inFlight: Promise<void> | null = null;
  #abort: AbortController | null = null;
  #stopped = false;

  constructor(account: PolledAccount, deps: PollerDeps) {
    this.account = account;
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#random = deps.random ?? Math.random;
    this.#schedule = {
      intervalMs: account.intervalMs,
      minIntervalMs: account.provider.minPollIntervalMs,
      banCooldownMs: account.provider.banCooldownMs,
      policy: deps.retryPolicy ?? RETRY_POLICY,
    };
  }

  get status(): AccountStatus {
    return this.#deps.status;
  }

  /**
   * `accounts`: how many accounts start together (spreads their first checks). `resumeAtMs`: after a
   * reload, when the account was next due; it keeps that time (and the provider's minimum).
   */
  start(accounts = 1, resumeAtMs?: number): void {
    const now = this.#now();
    const last = this.status.lastAttemptAtMs;
    const since = last === null ? undefined : now - last;
    if (resumeAtMs !== undefined) {
      this.#arm(Math.max(resumeAtMs - now, firstCheckDelayMs(this.#schedule, 0, since)));
      return;
    }
    this.#arm(firstCheckDelayMs(this.#schedule, this.#random(), since, accounts));
  }

  /** Stops polling; an in-flight request is aborted and awaited. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#abort?.abort();
    await this.#inFlight;
  }

  #arm(delayMs: number): void {
    if (this.#stopped) return;
    const d = clampDelayMs(delayMs);
    this.status.nextCheckAtMs = this.#now() + d;
    this.#timer = safeTimeout(
      () => {
        this.#timer = null;
        this.#inFlight = this.checkOnce().finally(() => {
          this.#inFlight = null;
        });
      },
      d,
      true,
    );
  }

  /** One balance check, then the next one is scheduled. Exposed for tests. */
  async checkOnce(): Promise<void> {
    const { account } = this;
    const { metrics, logger, estimator, status } = this.#deps;
    const startedAt = this.#now();
    const started = performance.now();
    status.lastAttemptAtMs = startedAt;
    status.nextCheckAtMs = null;
    this.#deps.onAttempt?.(status);
    this.#abort = new AbortController();
    const timeoutMs = this.#deps.requestTimeoutMs ?? Math.min(10_000, Math.max(1000, account.intervalMs / 2));
    let result: BalanceResult;
    try {
      result = await account.provider.getBalance({
        apiKey: account.apiKey,
        ...(account.apiUrl !== undefined ? { apiUrl: account.apiUrl } : {}),
        ...(account.network !== undefined ? { network: account.network } : {}),
        timeoutMs,
        signal: this.#abort.signal,
      });
    } catch (err) {
      // Providers classify instead of throwing; this is a last line of defence.
      result = { ok: false, reason: "network", message: `balance check failed: ${(err as Error)?.name ?? "error"}` };
    }
    this.#abort = null;
    if (this.#stopped) return; // shutting down: an aborted request is not a failure of the provider
    const durationSeconds = (performance.now() - started) / 1000;
    const labels = status.labels;
    status.checks += 1;
    status.lastCheckDurationSeconds = durationSeconds;
    if (result.ok) {
      const t = startedAt / 1000;
      let estimate: RunwayEstimate;
      try {
        estimate = estimator.observe(t, result.balance);
      } catch {
        estimate = estimator.current();
      }
      const currency = account.currency ?? result.currency;
      status.balance = result.balance;
      status.currency = currency;
      status.estimate = estimate;
      status.valuesCurrent = true;
      status.lastSuccessAtMs = startedAt;
      status.up = true;
      status.consecutiveFailures = 0;
      status.history.push({ t, balance: result.balance });
      const max = this.#deps.maxHistory ?? DEFAULT_MAX_HISTORY;
      if (status.history.length > max) status.history.splice(0, status.history.length - max);
      metrics.update(status);
      logger.debug("balance checked", {
        account: labels.account,
        provider: labels.provider,
        balance: result.balance,
        currency,
        duration_seconds: round3(durationSeconds),
      });
    } else {
      const wasUp = status.up;
      status.up = false;
      status.consecutiveFailures += 1;
      status.errors[result.reason] += 1;
      status.lastError = { reason: result.reason, message: result.message, atMs: startedAt };
      metrics.update(status);
      // Log the first failure of a streak and changes of reason at warn; repeats at debug.
      const fields = {
        account: labels.account,
        provider: labels.provider,
        reason: result.reason,
        code: result.code,
        err: result.message,
        consecutive_failures: status.consecutiveFailures,
      };
      if (wasUp !== false || status.consecutiveFailures === 1) logger.warn("balance check failed", fields);
      else logger.debug("balance check failed again", fields);
    }
    if (result.ok && status.checks > 1 && status.consecutiveFailures === 0 && this.#recovering) {
      logger.info("balance check recovered", { account: labels.account, provider: labels.provider });
    }
    this.#recovering = !result.ok;
    let retryAfterMs: number | undefined;
    if (!result.ok && result.retryAfterMs !== undefined) {
      const bounded = boundRetryAfter(result.retryAfterMs);
      retryAfterMs = bounded.waitMs;
      if (bounded.banLike) {
        logger.warn("provider asked to wait longer than the Retry-After ceiling; treating it as a ban", {
          account: labels.account,
          provider: labels.provider,
          reason: result.reason,
          retry_after_seconds: Math.round(result.retryAfterMs / 1000),
          wait_seconds: bounded.waitMs / 1000,
        });
      }
    }
    const delay = nextCheckDelayMs(
      result.ok
        ? { ok: true }
        : {
            ok: false,
            reason: result.reason,
            consecutiveFailures: status.consecutiveFailures,
            ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
            ...(result.transient === false ? { transient: false as const } : {}),
          },
      this.#schedule,
      this.#random(),
    );
    this.#deps.onChecked?.(status);
    this.#arm(Math.max(0, startedAt + delay - this.#now()));
  }

  #recovering = false;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export function emptyErrors(): Record<FailureReason, number> {
  return { auth: 0, no_funds: 0, banned: 0, rate_limited: 0, upstream: 0, timeout: 0, network: 0, malformed: 0 };
}
