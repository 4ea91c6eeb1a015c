/**
 * HTTP basic auth against the web config's bcrypt hashes, built so that neither a wrong password nor
 * an unknown user costs the scrapers anything:
 *
 * - bcrypt runs in a worker thread (`bcrypt-worker.ts`), never on the event loop that serves
 *   `/metrics`; at most `maxConcurrent` comparisons run at once, at most `maxQueued` wait, and the
 *   rest are answered `busy` at once (HTTP 429) instead of piling up;
 * - a verified `Authorization` header is remembered by its HMAC (a random per-process key, so the
 *   cache never holds anything a password could be brute-forced from) for `cacheTtlMs` after its
 *   last use, so a scraper pays bcrypt once, not per scrape; identical headers arriving while one is
 *   being verified share that one comparison;
 * - an unknown user is compared against a dummy hash of the highest cost among the configured hashes
 *   (made at start-up: random salt and digest, no hashing needed), so a miss costs what a hit costs
 *   and the response time does not tell who exists.
 */
import { createHmac, randomBytes, randomInt } from "node:crypto";
import { Worker } from "node:worker_threads";
import type { CompareAnswer, CompareRequest } from "./bcrypt-worker.ts";

export type AuthOutcome = "ok" | "denied" | "busy";

/** Compares a password with a bcrypt hash (off the main thread in production). */
export interface PasswordVerifier {
  compare(password: string, hash: string): Promise<boolean>;
  close(): Promise<void>;
}

export interface BasicAuthOptions {
  /** bcrypt comparisons running at once (default 1: one core stays free for the scrapes). */
  readonly maxConcurrent?: number;
  /** Comparisons waiting for a free slot; beyond that a check is `busy` (default 8). */
  readonly maxQueued?: number;
  /** A verified header stays verified for this long after its last use (default 5 min). */
  readonly cacheTtlMs?: number;
  /** Verified headers remembered at most (default 256; the least recently used goes first). */
  readonly maxCache?: number;
  /** Default: bcryptjs in a worker thread, started on the first comparison. */
  readonly verifier?: PasswordVerifier;
  readonly now?: () => number;
}

export const BASIC_AUTH_DEFAULTS = { maxConcurrent: 1, maxQueued: 8, cacheTtlMs: 5 * 60_000, maxCache: 256 } as const;

/** The cost (log2 of the rounds) of a `$2a$`/`$2b$`/`$2y$` hash. */
export function bcryptCost(hash: string): number {
  const m = /^\$2[aby]?\$(\d\d)\$/.exec(hash);
  if (!m) throw new Error("not a bcrypt hash");
  return Number(m[1]);
}

const BCRYPT_ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/**
 * A well-formed bcrypt hash of the given cost that no password matches in practice: random salt and
 * digest. Comparing against it runs the full 2^cost rounds, like a real hash of that cost.
 */
export function dummyHash(cost: number): string {
  let tail = "";
  for (let i = 0; i < 53; i++) tail += BCRYPT_ALPHABET[randomInt(BCRYPT_ALPHABET.length)];
  return `$2b$${String(cost).padStart(2, "0")}$${tail}`;
}

/** bcryptjs in one worker thread; requests are answered in order. */
export class WorkerVerifier implements PasswordVerifier {
  #worker: Worker | null = null;
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (ok: boolean) => void; reject: (err: Error) => void }>();

  #start(): Worker {
    if (this.#worker) return this.#worker;
    // Source (tests, `node cli/main.ts`) or build/: the worker is the sibling file of this module.
    const file = import.meta.url.endsWith(".ts") ? "./bcrypt-worker.ts" : "./bcrypt-worker.js";
    // No inherited Node flags: the worker needs none, and some (--input-type, --eval) would stop it.
    const worker = new Worker(new URL(file, import.meta.url), {
      execArgv: [],
      resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 32 },
    });
    worker.unref();
    worker.on("message", (m: CompareAnswer) => {
      const p = this.#pending.get(m.id);
      this.#pending.delete(m.id);
      p?.resolve(m.ok);
    });
    const fail = (why: string) => {
      if (this.#worker === worker) this.#worker = null;
      for (const p of this.#pending.values()) p.reject(new Error(`bcrypt worker ${why}`));
      this.#pending.clear();
    };
    worker.on("error", (err) => fail(`failed: ${err.message}`));
    worker.on("exit", (code) => fail(`exited with code ${code}`));
    this.#worker = worker;
    return worker;
  }

  compare(password: string, hash: string): Promise<boolean> {
    const worker = this.#start();
    const id = this.#nextId++;
    return new Promise<boolean>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ id, password, hash } satisfies CompareRequest);
    });
  }

  async close(): Promise<void> {
    const w = this.#worker;
    this.#worker = null;
    if (w) await w.terminate();
  }
}

export class BasicAuthChecker {
  readonly #users: ReadonlyMap<string, string>;
  readonly #verifier: PasswordVerifier;
  readonly #now: () => number;
  readonly #ttlMs: number;
  readonly #maxCache: number;
  readonly #maxConcurrent: number;
  readonly #maxQueued: number;
  readonly #hmacKey = randomBytes(32);
  /** HMAC of a verified header → when it expires (insertion order = least recently used first). */
  readonly #cache = new Map<string, number>();
  /** Headers being verified now, so identical ones share one comparison. */
  readonly #inProgress = new Map<string, Promise<AuthOutcome>>();
  readonly #waiting: (() => void)[] = [];
  #running = 0;
  #comparisons = 0;
  /** Compared against for unknown users: the highest cost among the configured hashes. */
  readonly dummyHash: string;

  constructor(users: ReadonlyMap<string, string>, options: BasicAuthOptions = {}) {
    this.#users = users;
    this.#verifier = options.verifier ?? new WorkerVerifier();
    this.#now = options.now ?? Date.now;
    this.#ttlMs = options.cacheTtlMs ?? BASIC_AUTH_DEFAULTS.cacheTtlMs;
    this.#maxCache = options.maxCache ?? BASIC_AUTH_DEFAULTS.maxCache;
    this.#maxConcurrent = Math.max(1, options.maxConcurrent ?? BASIC_AUTH_DEFAULTS.maxConcurrent);
    this.#maxQueued = Math.max(0, options.maxQueued ?? BASIC_AUTH_DEFAULTS.maxQueued);
    const costs = [...users.values()].map(bcryptCost);
    this.dummyHash = costs.length > 0 ? dummyHash(Math.max(...costs)) : "";
  }

  get enabled(): boolean {
    return this.#users.size > 0;
  }

  /** bcrypt comparisons started so far (tests, benchmarks). */
  get comparisons(): number {
    return this.#comparisons;
  }

  async check(header: string | undefined): Promise<AuthOutcome> {
    if (!this.enabled) return "ok";
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? "");
    if (!m) return "denied";
    const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return "denied";
    const digest = createHmac("sha256", this.#hmacKey).update(decoded).digest("base64");
    const expires = this.#cache.get(digest);
    if (expires !== undefined) {
      this.#cache.delete(digest);
      if (expires > this.#now()) {
        this.#cache.set(digest, this.#now() + this.#ttlMs);
        return "ok";
      }
    }
    const shared = this.#inProgress.get(digest);
    if (shared) return shared;
    if (this.#running >= this.#maxConcurrent && this.#waiting.length >= this.#maxQueued) return "busy";
    const verification = this.#verify(decoded.slice(0, colon), decoded.slice(colon + 1), digest).finally(() => {
      this.#inProgress.delete(digest);
    });
    this.#inProgress.set(digest, verification);
    return verification;
  }

  async #verify(user: string, password: string, digest: string): Promise<AuthOutcome> {
    if (this.#running >= this.#maxConcurrent) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#running++;
    let ok: boolean;
    try {
      const hash = this.#users.get(user);
      this.#comparisons++;
      ok = (await this.#verifier.compare(password, hash ?? this.dummyHash)) && hash !== undefined;
    } finally {
      // Hand the slot to the next in line, or free it.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
    if (!ok) return "denied";
    if (this.#cache.size >= this.#maxCache) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(digest, this.#now() + this.#ttlMs);
    return "ok";
  }

  close(): Promise<void> {
    return this.#verifier.close();
  }
}
