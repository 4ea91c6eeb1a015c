/**
 * BalanceGuard: runs a job's solver calls only while the balance allows, and handles a zero balance
 * inside the job — skip, queue (durably) or raise — instead of crashing or looping on the error.
 * See docs/guard.md.
 */
import { randomUUID } from "node:crypto";
import type { Registry } from "prom-client";
import { checkKey, parseApiUrl, parseProviderName, readKeyFile } from "../core/config.ts";
import { parseCheckTimeout, parsePollInterval } from "../core/duration.ts";
import { InputError } from "../core/errors.ts";
import { parseAmount } from "../core/pricing.ts";
import { getProvider } from "../core/providers/registry.ts";
import type { Provider, ProviderName } from "../core/providers/types.ts";
import type { FailureReason, RetryPolicy } from "../core/reasons.ts";
import { redact } from "../core/redact.ts";
import { BalanceGate, type CheckEvent, type GateDecision, type UnreadablePolicy } from "./balance-gate.ts";
import { type DenyReason, InsufficientBalanceError, QueueFullError, ZeroBalanceError } from "./errors.ts";
import { GuardMetrics, type GuardOutcome } from "./metrics.ts";
import { DurableQueue, type QueuedItem } from "./queue.ts";
import { zeroBalanceInReturned, zeroBalanceInThrown } from "./zero-balance.ts";

export type LowStrategy = "skip" | "queue" | "raise";
export const LOW_STRATEGIES: readonly LowStrategy[] = ["skip", "queue", "raise"];

export interface BalanceGuardOptions {
  /** One of the built-in providers (captchaai, 2captcha, rucaptcha, anti-captcha, capsolver, capmonster). */
  readonly provider: string;
  /** The key itself; prefer apiKeyFile or apiKeyEnv. Exactly one of the three. */
  readonly apiKey?: string;
  /** A file holding the key (e.g. /run/secrets/2captcha). */
  readonly apiKeyFile?: string;
  /** The name of an environment variable holding the key. */
  readonly apiKeyEnv?: string;
  /** Base URL override (a proxy, the simulator). */
  readonly apiUrl?: string;
  /** Runs stop when the balance is below this (default 0: only a zero balance stops them). */
  readonly minBalance?: number;
  /** What one run costs, in the balance's currency: "low" then means "cannot pay for the next one" over minBalance, and the guard debits it between checks. */
  readonly pricePerSolve?: number;
  /** What to do with an item the balance does not allow (default "raise"). */
  readonly onLow?: LowStrategy;
  /** JSON-lines file for onLow "queue" (required then). */
  readonly queueFile?: string;
  /** Most items the queue holds (default 10,000); beyond it `run` throws QueueFullError. */
  readonly maxQueued?: number;
  /** Largest queued item, as JSON (default 65,536 bytes). */
  readonly maxItemBytes?: number;
  /** Balance check interval: a duration ("2m", "90s") or seconds. Default: the provider's poll interval; never below its minimum. */
  readonly checkEvery?: string | number;
  /** How long a balance check may take, and the longest a run waits for one (default 10s). */
  readonly checkTimeout?: string | number;
  /** When the balance cannot be read: "closed" (default) treats the item as low; "open" runs it. */
  readonly onUnreadable?: UnreadablePolicy;
  /** A prom-client registry to register captcha_guard_runs_total and captcha_guard_queue_depth on. */
  readonly registry?: Registry;
  /** Where the guard's few log lines go (default: stderr); false for none. Lines never contain the key. */
  readonly log?: ((line: string) => void) | false;
  /** Environment for apiKeyEnv (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** For tests: clock (ms), randomness, retry policy override. */
  readonly now?: () => number;
  readonly random?: () => number;
  readonly retryPolicy?: Readonly<Record<FailureReason, RetryPolicy>>;
}

/** What run() passes along with the solver call. */
export interface GuardItem<P = unknown> {
  /** Your id for the item (a URL, a row id): it is what a drain hands back, for idempotency. Generated when absent. */
  readonly id?: string;
  /** What is needed to redo the work later (queued as JSON; never the key). */
  readonly params?: P;
}

/** The item did not run and was not queued (onLow "skip"). */
export class Skipped {
  readonly outcome = "skipped" as const;
  readonly id: string;
  readonly reason: DenyReason;
  /** The balance estimate the decision was made on, or null when unknown. */
  readonly balance: number | null;
  constructor(id: string, reason: DenyReason, balance: number | null) {
    this.id = id;
    this.reason = reason;
    this.balance = balance;
  }
}

/** The item was written to the queue file (fsynced) for a later drain (onLow "queue"). */
export class Queued {
  readonly outcome = "queued" as const;
  readonly id: string;
  readonly reason: DenyReason;
  readonly balance: number | null;
  /** Items in the queue after this one was added. */
  readonly depth: number;
  constructor(id: string, reason: DenyReason, balance: number | null, depth: number) {
    this.id = id;
    this.reason = reason;
    this.balance = balance;
    this.depth = depth;
  }
}

export function isSkipped(value: unknown): value is Skipped {
  return value instanceof Skipped;
}
export function isQueued(value: unknown): value is Queued {
  return value instanceof Queued;
}

export interface DrainResult {
  /** Items whose callback succeeded (removed from the queue). */
  readonly completed: number;
  /** Items still queued. */
  readonly remaining: number;
  /** Why the drain stopped: "empty" (all done), or "zero-balance" (the provider refused again; the rest kept). */
  readonly stoppedBy: "empty" | "zero-balance";
}

export interface GuardStats {
  readonly ran: number;
  readonly skipped: number;
  readonly queued: number;
  readonly raised: number;
  /** Balance checks this guard made. */
  readonly balanceChecks: number;
  /** The last balance read (null before the first). */
  readonly lastBalance: number | null;
  readonly queueDepth: number;
}

const DEFAULT_CHECK_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_QUEUED = 10_000;
const DEFAULT_MAX_ITEM_BYTES = 64 * 1024;

interface Resolved {
  readonly gate: BalanceGate;
  readonly queue: DurableQueue | null;
  readonly apiKey: string;
}

function nonNegative(value: unknown, what: string, def: number): number {
  if (value === undefined) return def;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new InputError(`BalanceGuard: ${what} must be a number >= 0, got ${JSON.stringify(value)}`);
  }
  // money, like every amount: at most 6 decimal places, never rounded to nothing
  return parseAmount(value, `BalanceGuard: ${what}`);
}

function positiveInt(value: unknown, what: string, def: number): number {
  if (value === undefined) return def;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new InputError(`BalanceGuard: ${what} must be an integer >= 1, got ${JSON.stringify(value)}`);
  }
  return value;
}

export class BalanceGuard {
  readonly provider: ProviderName;
  readonly onLow: LowStrategy;
  readonly minBalance: number;
  readonly pricePerSolve: number;
  readonly queueFile: string | undefined;
  /** Milliseconds between balance checks. */
  readonly checkEveryMs: number;
  readonly checkTimeoutMs: number;
  readonly onUnreadable: UnreadablePolicy;
  readonly #providerImpl: Provider;
  readonly #options: BalanceGuardOptions;
  readonly #ready: Promise<Resolved>;
  readonly #metrics: GuardMetrics | null;
  readonly #log: (line: string) => void;
  readonly #counts: Record<GuardOutcome, number> = { ran: 0, skipped: 0, queued: 0, raised: 0 };
  #resolved: Resolved | null = null;
  #denyState: string | null = null;
  #checkState: string | null = null;
  #closed = false;
  #recordErrorLogged = false;

  constructor(options: BalanceGuardOptions) {
    if (!options || typeof options !== "object") throw new InputError("BalanceGuard: expected an options object ({ provider, apiKeyFile, … })");
    this.#options = options;
    if (typeof options.provider !== "string") throw new InputError("BalanceGuard: 'provider' is required (e.g. \"2captcha\")");
    this.provider = parseProviderName(options.provider, "BalanceGuard: provider");
    this.#providerImpl = getProvider(this.provider);
    const keySources = [options.apiKey, options.apiKeyFile, options.apiKeyEnv].filter((v) => v !== undefined).length;
    if (keySources !== 1) {
      throw new InputError("BalanceGuard: set exactly one of apiKey, apiKeyFile (a path) or apiKeyEnv (an environment variable name)");
    }
    if (options.apiUrl !== undefined) parseApiUrl(options.apiUrl, "BalanceGuard: apiUrl");
    this.minBalance = nonNegative(options.minBalance, "minBalance", 0);
    this.pricePerSolve = nonNegative(options.pricePerSolve, "pricePerSolve", 0);
    const onLow = options.onLow ?? "raise";
    if (!LOW_STRATEGIES.includes(onLow)) {
      throw new InputError(`BalanceGuard: onLow must be one of ${LOW_STRATEGIES.join(", ")}, got ${JSON.stringify(onLow)}`);
    }
    this.onLow = onLow;
    if (options.queueFile !== undefined && (typeof options.queueFile !== "string" || options.queueFile.trim() === "")) {
      throw new InputError("BalanceGuard: queueFile must be a path");
    }
    if (onLow === "queue" && options.queueFile === undefined) {
      throw new InputError('BalanceGuard: onLow "queue" needs queueFile (a path for the JSON-lines queue, e.g. ./pending.jsonl)');
    }
    this.queueFile = options.queueFile;
    const minMs = this.#providerImpl.minPollIntervalMs;
    this.checkEveryMs =
      options.checkEvery === undefined ? this.#providerImpl.defaultPollIntervalMs : parsePollInterval(options.checkEvery, "BalanceGuard: checkEvery");
    if (this.checkEveryMs < minMs) {
      throw new InputError(
        `BalanceGuard: checkEvery ${this.checkEveryMs / 1000}s is shorter than ${this.provider}'s minimum interval between balance calls (${minMs / 1000}s)`,
      );
    }
    this.checkTimeoutMs =
      options.checkTimeout === undefined ? DEFAULT_CHECK_TIMEOUT_MS : parseCheckTimeout(String(options.checkTimeout), "BalanceGuard: checkTimeout");
    const onUnreadable = options.onUnreadable ?? "closed";
    if (onUnreadable !== "closed" && onUnreadable !== "open") {
      throw new InputError(`BalanceGuard: onUnreadable must be "closed" or "open", got ${JSON.stringify(onUnreadable)}`);
    }
    this.onUnreadable = onUnreadable;
    const maxQueued = positiveInt(options.maxQueued, "maxQueued", DEFAULT_MAX_QUEUED);
    const maxItemBytes = positiveInt(options.maxItemBytes, "maxItemBytes", DEFAULT_MAX_ITEM_BYTES);
    if (options.log !== undefined && options.log !== false && typeof options.log !== "function") {
      throw new InputError("BalanceGuard: log must be a function (line) => void, or false");
    }
    const sink = options.log === false ? () => {} : (options.log ?? ((line: string) => process.stderr.write(`${line}\n`)));
    this.#log = (line) => sink(redact(`captcha-runway guard (${this.provider}): ${line}`, this.#resolved ? [this.#resolved.apiKey] : []));

    this.#ready = this.#resolve(maxQueued, maxItemBytes);
    this.#ready.then(
      (r) => {
        this.#resolved = r;
      },
      () => {}, // reported by run/drain
    );
    this.#metrics = options.registry
      ? new GuardMetrics(options.registry, this.provider, options.queueFile !== undefined ? () => this.#resolved?.queue?.depth ?? 0 : null)
      : null;
  }

  async #resolve(maxQueued: number, maxItemBytes: number): Promise<Resolved> {
    const o = this.#options;
    let apiKey: string;
    if (o.apiKeyFile !== undefined) apiKey = await readKeyFile(o.apiKeyFile, "BalanceGuard: apiKeyFile");
    else if (o.apiKeyEnv !== undefined) {
      const value = (o.env ?? process.env)[o.apiKeyEnv];
      if (value === undefined) throw new InputError(`BalanceGuard: apiKeyEnv: the environment variable ${o.apiKeyEnv} is not set`);
      apiKey = checkKey(value, `BalanceGuard: apiKeyEnv: the environment variable ${o.apiKeyEnv}`);
    } else apiKey = checkKey(String(o.apiKey), "BalanceGuard: apiKey");
    const queue =
      this.queueFile !== undefined ? await DurableQueue.open({ file: this.queueFile, maxItems: maxQueued, maxItemBytes, secrets: [apiKey] }) : null;
    const gate = new BalanceGate({
      provider: this.#providerImpl,
      apiKey,
      ...(o.apiUrl !== undefined ? { apiUrl: o.apiUrl } : {}),
      minBalance: this.minBalance,
      pricePerSolve: this.pricePerSolve,
      checkEveryMs: this.checkEveryMs,
      checkTimeoutMs: this.checkTimeoutMs,
      onUnreadable: this.onUnreadable,
      now: o.now ?? Date.now,
      random: o.random ?? Math.random,
      ...(o.retryPolicy ? { retryPolicy: o.retryPolicy } : {}),
      onCheck: (e) => this.#onCheck(e, apiKey),
      // the queue's lock covers the record too: one process per queue file
      ...(this.queueFile !== undefined ? { recordFile: `${this.queueFile}.check` } : {}),
      onRecordError: (err) => {
        if (this.#recordErrorLogged) return;
        this.#recordErrorLogged = true;
        this.#log(`cannot record the last balance check in ${this.queueFile}.check (${(err as NodeJS.ErrnoException).code ?? "error"}); a restart may check sooner`);
      },
    });
    return { gate, queue, apiKey };
  }

  /** Resolves once the key is read and the queue file is open; rejects with the configuration error. */
  async ready(): Promise<void> {
    await this.#ready;
  }

  /**
   * Runs `fn` when the balance allows and returns its result. Otherwise, and when `fn` throws or
   * returns a zero-balance answer: "skip" returns a Skipped, "queue" writes the item to the queue file
   * and returns a Queued, "raise" throws InsufficientBalanceError (ZeroBalanceError for a zero balance).
   * Any other error from `fn` is rethrown as it is.
   */
  async run<T, P = unknown>(fn: () => T | Promise<T>, item: GuardItem<P> = {}): Promise<T | Skipped | Queued> {
    const r = await this.#open();
    if (item.id !== undefined && (typeof item.id !== "string" || item.id === "")) {
      throw new InputError("BalanceGuard.run: item.id must be a non-empty string");
    }
    const id = item.id ?? randomUUID();
    const decision = await r.gate.decide(true);
    if (!decision.allow) return this.#deny(r, decision, id, item.params);
    this.#allowed();
    let result: T;
    try {
      result = await fn();
    } catch (err) {
      const code = zeroBalanceInThrown(err, this.provider);
      if (code === undefined) {
        this.#count("ran");
        throw err;
      }
      return this.#zero(r, code, id, item.params, err);
    }
    const code = zeroBalanceInReturned(result, this.provider);
    if (code !== undefined) return this.#zero(r, code, id, item.params, result);
    this.#count("ran");
    return result;
  }

  /**
   * Replays the queued items in order through `fn` (after a top-up). An item is removed only after
   * `fn` resolved for it: at-least-once — a crash between the two replays it, so use `item.id` to make
   * `fn` idempotent. Stops at the first zero-balance answer and keeps that item and the rest; any other
   * error from `fn` stops the drain and is rethrown, with the item still queued. The drain does not
   * read the balance first: call it when the account has money again.
   */
  async drain<P = unknown>(fn: (item: QueuedItem<P>) => unknown): Promise<DrainResult> {
    const r = await this.#open();
    if (r.queue === null) throw new InputError("BalanceGuard.drain: this guard has no queueFile");
    const queue = r.queue;
    let completed = 0;
    try {
      for (const item of queue.items() as QueuedItem<P>[]) {
        let result: unknown;
        try {
          result = await fn(item);
        } catch (err) {
          if (zeroBalanceInThrown(err, this.provider) !== undefined) return this.#drainStopped(r, completed);
          throw err;
        }
        if (zeroBalanceInReturned(result, this.provider) !== undefined) return this.#drainStopped(r, completed);
        await queue.done(item.seq);
        completed++;
        if (completed === 1) r.gate.noteFunds();
      }
      if (completed > 0) this.#log(`drained ${completed} queued item(s); ${queue.depth} left`);
      return { completed, remaining: queue.depth, stoppedBy: "empty" };
    } finally {
      await queue.compact();
    }
  }

  /** Counts so far (for logs and tests); the metrics carry the same. */
  get stats(): GuardStats {
    const r = this.#resolved;
    return {
      ...this.#counts,
      balanceChecks: r?.gate.checks ?? 0,
      lastBalance: r?.gate.lastBalance ?? null,
      queueDepth: r?.queue?.depth ?? 0,
    };
  }

  /** The queued items, oldest first. */
  async queued(): Promise<QueuedItem[]> {
    const r = await this.#open();
    return r.queue?.items() ?? [];
  }

  /** Finishes pending queue writes and releases the queue file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const r = await this.#ready.catch(() => null);
    await r?.queue?.close();
  }

  async #open(): Promise<Resolved> {
    if (this.#closed) throw new Error("BalanceGuard: the guard is closed");
    return this.#ready;
  }

  #drainStopped(r: Resolved, completed: number): DrainResult {
    r.gate.markExhausted();
    const remaining = r.queue?.depth ?? 0;
    this.#log(`drain stopped: the provider reported a zero balance after ${completed} item(s); ${remaining} kept in the queue`);
    return { completed, remaining, stoppedBy: "zero-balance" };
  }

  #count(outcome: GuardOutcome): void {
    this.#counts[outcome]++;
    this.#metrics?.count(outcome);
  }

  #allowed(): void {
    if (this.#denyState !== null) {
      this.#log("the balance allows runs again");
      this.#denyState = null;
    }
  }

  #zero(r: Resolved, code: string, id: string, params: unknown, cause: unknown): Promise<Skipped | Queued> {
    r.gate.markExhausted();
    const detail = `the provider answered ${code} to the solver`;
    return this.#deny(r, { allow: false, reason: "zero-balance", balance: 0, detail }, id, params, { code, cause });
  }

  async #deny(
    r: Resolved,
    d: Extract<GateDecision, { allow: false }>,
    id: string,
    params: unknown,
    zero?: { code: string; cause: unknown },
  ): Promise<Skipped | Queued> {
    const what = this.onLow === "skip" ? "skipping items" : this.onLow === "queue" ? `queueing items to ${this.queueFile}` : "raising InsufficientBalanceError";
    if (this.#denyState !== d.reason) {
      const next = Math.max(0, Math.round((r.gate.nextCheckAtMs - (this.#options.now ?? Date.now)()) / 1000));
      this.#log(`${d.detail}; ${what} until a balance check shows enough (next check in ${next}s)`);
      this.#denyState = d.reason;
    }
    if (this.onLow === "skip") {
      this.#count("skipped");
      return new Skipped(id, d.reason, d.balance);
    }
    if (this.onLow === "queue") {
      try {
        await r.queue!.add({ id, params, reason: d.reason });
      } catch (err) {
        this.#count("raised");
        if (err instanceof QueueFullError && this.#denyState !== "full") {
          this.#log(err.message);
          this.#denyState = "full";
        }
        throw err;
      }
      this.#count("queued");
      return new Queued(id, d.reason, d.balance, r.queue!.depth);
    }
    this.#count("raised");
    const details = { provider: this.provider, itemId: id, balance: d.balance, minBalance: this.minBalance };
    if (d.reason === "zero-balance") {
      throw new ZeroBalanceError(`item ${JSON.stringify(id)} not run: ${d.detail}`, {
        ...details,
        code: zero?.code ?? "ERROR_ZERO_BALANCE",
        ...(zero ? { cause: zero.cause } : {}),
      });
    }
    throw new InsufficientBalanceError(`item ${JSON.stringify(id)} not run: ${d.detail}`, { ...details, reason: d.reason });
  }

  #onCheck(e: CheckEvent, apiKey: string): void {
    if (e.ok) {
      if (this.#checkState !== null) this.#log(`balance check succeeded again: ${e.balance}`);
      this.#checkState = null;
      return;
    }
    if (this.#checkState === e.failure.reason) return;
    this.#checkState = e.failure.reason;
    if (e.failure.reason === "no_funds") return; // reported with the denial
    const policy = this.onUnreadable === "open" ? "items run anyway (onUnreadable open)" : "items are treated as low (onUnreadable closed)";
    this.#log(
      redact(
        `balance check failed (${e.failure.reason}): ${e.failure.message}; next check in ${Math.round(e.nextInMs / 1000)}s; ${policy}`,
        [apiKey],
      ),
    );
  }
}
