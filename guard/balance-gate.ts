/**
 * One cached balance for every caller of a guard, read by a single in-flight check (single-flight)
 * with core's readBalance (one attempt, no retries within a check), on core's schedule: the next
 * check comes `checkEvery` after the last one on success, never sooner than the provider's minimum
 * interval, and after a failure as late as the exporter would ask again (back-off per reason, the
 * provider's ban cool-down, a Retry-After floor). No caller waits for a check longer than
 * `checkTimeoutMs` (plus a little slack); a check that cannot finish in time counts as unreadable.
 */
import { readBalance } from "../core/balance.ts";
import { clampDelayMs, safeTimeout } from "../core/delays.ts";
import type { BalanceFailure, Provider } from "../core/providers/types.ts";
import { type FailureReason, RETRY_POLICY, type RetryPolicy } from "../core/reasons.ts";
import { nextCheckDelayMs, type ScheduleParams } from "../core/schedule.ts";
import { type CheckRecord, loadCheckRecord, saveCheckRecord } from "./check-record.ts";

export type UnreadablePolicy = "closed" | "open";

export interface BalanceGateOptions {
  readonly provider: Provider;
  readonly apiKey: string;
  readonly apiUrl?: string;
  readonly minBalance: number;
  /** What one run costs; the guard debits it locally between checks. 0 = unknown. */
  readonly pricePerSolve: number;
  readonly checkEveryMs: number;
  readonly checkTimeoutMs: number;
  readonly onUnreadable: UnreadablePolicy;
  readonly now: () => number;
  readonly random: () => number;
  readonly retryPolicy?: Readonly<Record<FailureReason, RetryPolicy>>;
  /** Called after each finished check (for logs). */
  readonly onCheck?: (event: CheckEvent) => void;
  /** Where the last check is remembered across restarts (see check-record.ts); none by default. */
  readonly recordFile?: string;
  /** Called when the record cannot be written (the guard goes on; a restart may then check sooner). */
  readonly onRecordError?: (err: unknown) => void;
}

export type CheckEvent =
  | { readonly ok: true; readonly balance: number; readonly nextInMs: number }
  | { readonly ok: false; readonly failure: BalanceFailure; readonly nextInMs: number; readonly consecutiveFailures: number };

export type GateDecision =
  | { readonly allow: true; readonly balance: number | null }
  | {
      readonly allow: false;
      readonly reason: "low" | "zero-balance" | "unreadable";
      /** The estimate the decision was made on (last read less local debits), or null when unknown. */
      readonly balance: number | null;
      readonly detail: string;
    };

/** Money is compared to a billionth, so 1.00 - 100 × 0.01 is 0 and not a rounding error above it. */
const EPSILON = 1e-9;

/** Slack over the check timeout before a waiting caller gives up on the check. */
const WAIT_SLACK_MS = 250;

export class BalanceGate {
  readonly #o: BalanceGateOptions;
  readonly #schedule: ScheduleParams;
  /** Last successful read. */
  #known: { balance: number; atMs: number } | null = null;
  /** Whether the last finished check succeeded. */
  #lastOk = false;
  #lastFailure: BalanceFailure | null = null;
  #consecutiveFailures = 0;
  /** Set by a zero-balance answer; cleared by a later successful read that started after it. */
  #exhaustedAtMs: number | null = null;
  #nextCheckAtMs = 0;
  #lastCheckStartMs: number | null = null;
  #inFlight: Promise<void> | null = null;
  /** Runs allowed since the last read (debited at pricePerSolve each). */
  #debits = 0;
  #checks = 0;

  constructor(options: BalanceGateOptions) {
    this.#o = options;
    this.#schedule = {
      intervalMs: options.checkEveryMs,
      minIntervalMs: options.provider.minPollIntervalMs,
      banCooldownMs: options.provider.banCooldownMs,
      policy: options.retryPolicy ?? RETRY_POLICY,
    };
    if (options.recordFile !== undefined) this.#restore(loadCheckRecord(options.recordFile));
  }

  /** Picks up where the last process left off: its schedule, and its balance while still fresh. */
  #restore(r: CheckRecord | null): void {
    const now = this.#o.now();
    if (r === null || r.startedAt > now + 60_000) return; // none, or from a clock far ahead: just check
    this.#lastCheckStartMs = r.startedAt;
    this.#nextCheckAtMs = r.startedAt + clampDelayMs(r.nextCheckAt - r.startedAt);
    this.#consecutiveFailures = r.consecutiveFailures;
    if (r.exhaustedAt !== null) this.#exhaustedAtMs = Math.min(r.exhaustedAt, now);
    if (r.balance !== null && r.readAt !== null && r.readAt <= now && now - r.readAt < this.#o.checkEveryMs) {
      this.#known = { balance: r.balance, atMs: r.readAt };
      this.#lastOk = true;
    }
  }

  #persist(): void {
    const file = this.#o.recordFile;
    if (file === undefined) return;
    const known = this.#lastOk ? this.#known : null;
    try {
      saveCheckRecord(file, {
        v: 1,
        startedAt: this.#lastCheckStartMs ?? 0,
        nextCheckAt: this.#nextCheckAtMs,
        balance: known?.balance ?? null,
        readAt: known?.atMs ?? null,
        exhaustedAt: this.#exhaustedAtMs,
        consecutiveFailures: this.#consecutiveFailures,
      });
    } catch (err) {
      this.#o.onRecordError?.(err);
    }
  }

  /** Balance checks started by this gate. */
  get checks(): number {
    return this.#checks;
  }

  /** The last balance read (null before the first success). */
  get lastBalance(): number | null {
    return this.#known?.balance ?? null;
  }

  /** When the next balance check may start (ms, the gate's clock). */
  get nextCheckAtMs(): number {
    return this.#nextCheckAtMs;
  }

  /**
   * Whether one more run may start now. `reserve`: count it against the cached balance when allowed.
   * Starts a check when one is due; waits for an in-flight one at most the check timeout.
   */
  async decide(reserve: boolean): Promise<GateDecision> {
    const t = this.#o.now();
    if (this.#inFlight === null && t >= this.#nextCheckAtMs) this.#startCheck(t);
    if (this.#inFlight !== null) {
      const finished = await waitAtMost(this.#inFlight, this.#o.checkTimeoutMs + WAIT_SLACK_MS);
      if (!finished) return this.#unreadable(`the balance check did not finish within ${this.#o.checkTimeoutMs} ms`);
    }
    return this.#evaluate(reserve);
  }

  /** The provider refused for lack of money: every caller sees it until a later read shows money. */
  markExhausted(): void {
    const t = this.#o.now();
    this.#exhaustedAtMs = t;
    const backoff = nextCheckDelayMs({ ok: false, reason: "no_funds", consecutiveFailures: 1 }, this.#schedule, this.#o.random());
    this.#nextCheckAtMs = Math.max(this.#nextCheckAtMs, t + backoff);
    this.#persist();
  }

  /**
   * Money is evidently there again (a drained item was solved): forget the exhaustion and read the
   * balance as soon as the provider's minimum interval allows.
   */
  noteFunds(): void {
    if (this.#exhaustedAtMs === null) return;
    this.#exhaustedAtMs = null;
    this.#lastOk = false;
    this.#known = null;
    const earliest = this.#lastCheckStartMs === null ? 0 : this.#lastCheckStartMs + this.#o.provider.minPollIntervalMs;
    this.#nextCheckAtMs = Math.max(earliest, this.#o.now());
    this.#persist();
  }

  #startCheck(t: number): void {
    this.#checks++;
    this.#lastCheckStartMs = t;
    // nothing before the schedule says so, even if this check never ends
    this.#nextCheckAtMs = t + this.#schedule.minIntervalMs;
    this.#persist(); // before the call: a kill during it still counts it
    this.#inFlight = this.#check(t).finally(() => {
      this.#inFlight = null;
    });
  }

  async #check(startMs: number): Promise<void> {
    const o = this.#o;
    let result: Awaited<ReturnType<typeof readBalance>>;
    try {
      result = await readBalance(
        o.provider,
        { apiKey: o.apiKey, ...(o.apiUrl !== undefined ? { apiUrl: o.apiUrl } : {}), timeoutMs: o.checkTimeoutMs },
        { retries: 0, deadlineMs: o.checkTimeoutMs, now: o.now },
      );
    } catch (err) {
      // providers classify rather than throw; this is the belt to their braces
      result = { ok: false, reason: "network", message: `the balance check failed: ${(err as Error)?.name ?? "error"}`, attempts: 1 };
    }
    if (result.ok) {
      this.#consecutiveFailures = 0;
      this.#lastFailure = null;
      this.#lastOk = true;
      this.#known = { balance: result.balance, atMs: o.now() };
      this.#debits = 0;
      // a zero-balance answer that came in while this check was under way is newer than its result
      if (this.#exhaustedAtMs !== null && this.#exhaustedAtMs <= startMs) this.#exhaustedAtMs = null;
      if (result.balance <= 0 && this.#exhaustedAtMs === null) this.#exhaustedAtMs = startMs;
      const delay = nextCheckDelayMs({ ok: true }, this.#schedule, o.random());
      this.#nextCheckAtMs = Math.max(this.#nextCheckAtMs, startMs + delay);
      this.#persist();
      o.onCheck?.({ ok: true, balance: result.balance, nextInMs: this.#nextCheckAtMs - o.now() });
      return;
    }
    const { attempts: _attempts, ...failure } = result;
    this.#consecutiveFailures++;
    this.#lastFailure = failure;
    if (failure.reason === "no_funds") {
      this.#lastOk = true;
      this.#known = { balance: 0, atMs: o.now() };
      this.#debits = 0;
      this.#exhaustedAtMs = startMs;
    } else {
      this.#lastOk = false;
    }
    const delay = nextCheckDelayMs(
      {
        ok: false,
        reason: failure.reason,
        consecutiveFailures: this.#consecutiveFailures,
        ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}),
        ...(failure.transient === false ? { transient: false as const } : {}),
      },
      this.#schedule,
      o.random(),
    );
    this.#nextCheckAtMs = Math.max(this.#nextCheckAtMs, startMs + delay);
    this.#persist();
    o.onCheck?.({ ok: false, failure, nextInMs: this.#nextCheckAtMs - o.now(), consecutiveFailures: this.#consecutiveFailures });
  }

  #unreadable(detail: string): GateDecision {
    if (this.#o.onUnreadable === "open") return { allow: true, balance: null };
    return { allow: false, reason: "unreadable", balance: null, detail };
  }

  #evaluate(reserve: boolean): GateDecision {
    const o = this.#o;
    if (this.#exhaustedAtMs !== null) {
      return { allow: false, reason: "zero-balance", balance: 0, detail: "the provider reported a zero balance" };
    }
    if (!this.#lastOk || this.#known === null) {
      const why = this.#lastFailure ? `${this.#lastFailure.reason}: ${this.#lastFailure.message}` : "no balance read yet";
      return this.#unreadable(`the balance could not be read (${why})`);
    }
    const estimate = this.#known.balance - this.#debits * o.pricePerSolve;
    if (estimate <= EPSILON || estimate - o.pricePerSolve < o.minBalance - EPSILON) {
      const need = o.pricePerSolve > 0 ? `minBalance ${o.minBalance} + ${o.pricePerSolve} for the next solve` : `minBalance ${o.minBalance}`;
      return { allow: false, reason: "low", balance: round(estimate), detail: `the balance ${round(estimate)} is below ${need}` };
    }
    if (reserve) this.#debits++;
    return { allow: true, balance: round(estimate) };
  }
}

function round(n: number): number {
  return Math.round(n * 1e8) / 1e8;
}

/** Resolves true when `p` settles within `ms`, false otherwise (the timer never keeps the process alive). */
function waitAtMost(p: Promise<void>, ms: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const timer = safeTimeout(() => resolve(false), ms, true);
    p.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(true);
      },
    );
  });
}
