/**
 * The state file: spend history that survives restarts. For each account (keyed by account name and
 * provider, never by key) it holds the runway estimator's state, the error counters, the last
 * balance and a short balance history for the landing page. No secret is ever written.
 *
 * Writes are atomic (temporary file in the same directory, fsync, rename, fsync of the directory), so
 * a crash leaves either the old or the new file. A file we cannot read (not JSON, another program's
 * JSON, an unknown version, a broken entry) is moved aside to `<path>.corrupt-<timestamp>` with a
 * warning and the exporter starts afresh: never a crash, never a silent overwrite.
 */
import { randomBytes } from "node:crypto";
import { constants as fsConstants } from "node:fs";
import { open, readFile, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { safeTimeout } from "../core/delays.ts";
import { FAILURE_REASONS, type FailureReason } from "../core/reasons.ts";
import type { Logger } from "./logger.ts";

export const STATE_FORMAT = "captcha-runway/exporter-state";
export const STATE_VERSION = 1;

export interface AccountState {
  readonly account: string;
  readonly provider: string;
  readonly currency: string;
  readonly estimator: unknown;
  readonly errors: Readonly<Record<FailureReason, number>>;
  readonly balance: number | null;
  readonly lastAttemptAtMs: number | null;
  readonly lastSuccessAtMs: number | null;
  /** [unix seconds, balance] pairs, oldest first. */
  readonly history: readonly (readonly [number, number])[];
}

export interface StateDocument {
  readonly format: typeof STATE_FORMAT;
  readonly version: typeof STATE_VERSION;
  readonly savedAt: string;
  readonly accounts: readonly AccountState[];
}

export function stateKey(account: string, provider: string): string {
  return `${account}\u0000${provider}`;
}

/** Why a document is not a state file we wrote; null when it is fine. */
export function validateStateDocument(doc: unknown): string | null {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return "not a JSON object";
  const d = doc as Record<string, unknown>;
  if (d.format !== STATE_FORMAT) return `not a captcha-runway exporter state file (format is ${JSON.stringify(d.format) ?? "missing"})`;
  if (d.version !== STATE_VERSION) return `unsupported state file version ${JSON.stringify(d.version)} (this build reads ${STATE_VERSION})`;
  if (!Array.isArray(d.accounts)) return "'accounts' is not a list";
  for (const [i, a] of d.accounts.entries()) {
    const why = validateAccount(a);
    if (why) return `accounts[${i}]: ${why}`;
  }
  return null;
}

const finite = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x);
const finiteOrNull = (x: unknown) => x === null || finite(x);

function validateAccount(a: unknown): string | null {
  if (typeof a !== "object" || a === null) return "not an object";
  const r = a as Record<string, unknown>;
  if (typeof r.account !== "string" || typeof r.provider !== "string") return "account and provider must be strings";
  if (typeof r.currency !== "string") return "currency must be a string";
  if (typeof r.errors !== "object" || r.errors === null) return "errors must be an object";
  for (const reason of FAILURE_REASONS) {
    const n = (r.errors as Record<string, unknown>)[reason];
    if (!finite(n) || n < 0) return `errors.${reason} must be a number ≥ 0`;
  }
  if (!finiteOrNull(r.balance) || !finiteOrNull(r.lastAttemptAtMs) || !finiteOrNull(r.lastSuccessAtMs)) {
    return "balance, lastAttemptAtMs and lastSuccessAtMs must be numbers or null";
  }
  if (!Array.isArray(r.history) || !r.history.every((p) => Array.isArray(p) && p.length === 2 && finite(p[0]) && finite(p[1]))) {
    return "history must be a list of [time, balance] pairs";
  }
  return null;
}

export type ReadOutcome =
  | { readonly kind: "missing" }
  | { readonly kind: "ok"; readonly doc: StateDocument }
  | { readonly kind: "invalid"; readonly why: string };

export async function readStateFile(path: string): Promise<ReadOutcome> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { kind: "missing" };
    return { kind: "invalid", why: `cannot read it (${(err as NodeJS.ErrnoException).code ?? "error"})` };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { kind: "invalid", why: "not valid JSON" };
  }
  const why = validateStateDocument(doc);
  return why ? { kind: "invalid", why } : { kind: "ok", doc: doc as StateDocument };
}

/** Moves an unreadable state file aside; returns the new path (null if it could not be moved). */
export async function quarantineStateFile(path: string, now: Date = new Date()): Promise<string | null> {
  const stamp = now.toISOString().replace(/[:.]/g, "-");
  const target = `${path}.corrupt-${stamp}`;
  try {
    await rename(path, target);
    return target;
  } catch {
    return null;
  }
}

/** Atomic replace: temp file next to the target, fsync, rename, fsync the directory. */
export async function writeStateFileAtomic(path: string, doc: StateDocument): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
  const fh = await open(tmp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o644);
  try {
    await fh.writeFile(`${JSON.stringify(doc)}\n`, "utf8");
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  try {
    const dh = await open(dir, fsConstants.O_RDONLY);
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself is still atomic.
  }
}

/**
 * Throttled writer: `markDirty()` after each check writes at most once per `intervalMs`;
 * `flush()` (shutdown) writes now. Failures are logged, never thrown.
 */
export class StateWriter {
  readonly #path: string;
  readonly #intervalMs: number;
  readonly #snapshot: () => StateDocument;
  readonly #logger: Logger;
  #dirty = false;
  #lastWriteAt = 0;
  #timer: NodeJS.Timeout | null = null;
  #writing: Promise<void> = Promise.resolve();
  #failedBefore = false;

  constructor(path: string, intervalMs: number, snapshot: () => StateDocument, logger: Logger) {
    this.#path = path;
    this.#intervalMs = intervalMs;
    this.#snapshot = snapshot;
    this.#logger = logger;
  }

  get path(): string {
    return this.#path;
  }

  markDirty(): void {
    this.#dirty = true;
    if (this.#timer) return;
    const wait = Math.max(0, this.#lastWriteAt + this.#intervalMs - Date.now());
    this.#timer = safeTimeout(
      () => {
        this.#timer = null;
        void this.#write();
      },
      wait,
      true,
    );
  }

  /** Writes now (shutdown): always, so a file removed while running is recreated. */
  async flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#writing;
    this.#dirty = true;
    await this.#write();
  }

  #write(): Promise<void> {
    this.#writing = this.#writing.then(async () => {
      if (!this.#dirty) return;
      this.#dirty = false;
      this.#lastWriteAt = Date.now();
      try {
        await writeStateFileAtomic(this.#path, this.#snapshot());
        if (this.#failedBefore) this.#logger.info("state file written again", { path: this.#path });
        this.#failedBefore = false;
      } catch (err) {
        this.#dirty = true;
        if (!this.#failedBefore) {
          this.#logger.error("cannot write the state file; spend history will not survive a restart", {
            path: this.#path,
            err: (err as NodeJS.ErrnoException).code ?? (err as Error).message,
          });
        }
        this.#failedBefore = true;
      }
    });
    return this.#writing;
  }
}

/** Logs and quarantines an invalid state file; used at start-up. */
export async function loadStateOrQuarantine(path: string, logger: Logger): Promise<Map<string, AccountState>> {
  const outcome = await readStateFile(path);
  if (outcome.kind === "missing") {
    logger.info("no state file yet; starting with empty spend history", { path });
    return new Map();
  }
  if (outcome.kind === "invalid") {
    await moveAside(path, outcome.why, logger);
    return new Map();
  }
  return new Map(outcome.doc.accounts.map((a) => [stateKey(a.account, a.provider), a]));
}

export async function moveAside(path: string, why: string, logger: Logger): Promise<void> {
  const moved = await quarantineStateFile(path);
  logger.warn("state file unreadable; moved aside, starting with empty spend history", {
    path,
    reason: why,
    moved_to: moved ?? "(could not move it; it will be overwritten)",
  });
}
