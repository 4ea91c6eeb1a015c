/**
 * The state file: spend history that survives restarts. For each account (keyed by account name and
 * provider, never by key) it holds the runway estimator's state, the error counters, the last
 * balance and a short balance history for the landing page. No secret is ever written.
 *
 * Writes are atomic (temporary file in the same directory, fsync, rename, fsync of the directory), so
 * a crash leaves either the old or the new file. A file that is not ours (not JSON, another program's
 * JSON, an unknown version) is moved aside to `<path>.corrupt-<timestamp>` with a warning and the
 * exporter starts afresh: never a crash, never a silent overwrite. A broken entry costs only its own
 * account: the others are restored, and a copy of the file as it was is kept beside it. The writer
 * checks every entry with the same rules before writing, so it never writes what the loader would
 * drop (JSON turns a non-finite number into null): an entry that fails keeps its last good version.
 */
import { randomBytes } from "node:crypto";
import { constants as fsConstants } from "node:fs";
import { copyFile, open, readdir, readFile, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { safeTimeout } from "../core/delays.ts";
import { InputError } from "../core/errors.ts";
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

/** Why a document is not a state file we wrote (the envelope: format, version, a list); null when it is. */
export function validateEnvelope(doc: unknown): string | null {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return "not a JSON object";
  const d = doc as Record<string, unknown>;
  if (d.format !== STATE_FORMAT) return `not a captcha-runway exporter state file (format is ${JSON.stringify(d.format) ?? "missing"})`;
  if (d.version !== STATE_VERSION) return `unsupported state file version ${JSON.stringify(d.version)} (this build reads ${STATE_VERSION})`;
  if (!Array.isArray(d.accounts)) return "'accounts' is not a list";
  return null;
}

/** Why a document is not a state file we wrote, envelope or entries; null when it is fine. */
export function validateStateDocument(doc: unknown): string | null {
  const why = validateEnvelope(doc);
  if (why) return why;
  for (const [i, a] of ((doc as { accounts: unknown[] }).accounts).entries()) {
    const bad = validateAccount(a);
    if (bad) return `accounts[${i}]: ${bad}`;
  }
  return null;
}

const finite = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x);
const finiteOrNull = (x: unknown) => x === null || finite(x);

/** Why one account entry is unusable; null when it is fine. */
export function validateAccount(a: unknown): string | null {
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

/** An entry the loader left out, and why. */
export interface DroppedEntry {
  readonly index: number;
  /** The entry's account and provider, when it names them. */
  readonly account?: string;
  readonly provider?: string;
  readonly why: string;
}

export type ReadOutcome =
  | { readonly kind: "missing" }
  /** `doc.accounts` holds the usable entries; `dropped` the others. */
  | { readonly kind: "ok"; readonly doc: StateDocument; readonly dropped: readonly DroppedEntry[] }
  | { readonly kind: "invalid"; readonly why: string };

/** Why a file could not be read or written, for messages. */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === "EACCES" || code === "EPERM") return `permission denied (${code})`;
  if (code === "EISDIR") return "it is a directory (EISDIR)";
  if (code === "EROFS") return "read-only file system (EROFS)";
  return code ?? (err as Error)?.message ?? "error";
}

/**
 * Reads the state file. A file that exists but cannot be read (permissions, a directory, an I/O
 * error) is an InputError: its data may be fine, so the exporter refuses to start (exit 2) rather
 * than start afresh and overwrite it.
 */
export async function readStateFile(path: string): Promise<ReadOutcome> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { kind: "missing" };
    throw new InputError(
      `--state.file: cannot read ${path}: ${describeFsError(err)}; refusing to start rather than overwrite spend history it could not read (fix the file's permissions, or point --state.file elsewhere)`,
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { kind: "invalid", why: "not valid JSON" };
  }
  const why = validateEnvelope(doc);
  if (why) return { kind: "invalid", why };
  const d = doc as StateDocument;
  const good: AccountState[] = [];
  const dropped: DroppedEntry[] = [];
  for (const [index, entry] of (d.accounts as unknown[]).entries()) {
    const bad = validateAccount(entry);
    if (!bad) {
      good.push(entry as AccountState);
      continue;
    }
    const e = (typeof entry === "object" && entry !== null ? entry : {}) as Record<string, unknown>;
    dropped.push({
      index,
      ...(typeof e.account === "string" ? { account: e.account } : {}),
      ...(typeof e.provider === "string" ? { provider: e.provider } : {}),
      why: bad,
    });
  }
  return { kind: "ok", doc: { ...d, accounts: good }, dropped };
}

/** Copies the state file aside (`<path>.corrupt-<timestamp>`), keeping the original; returns the copy's path (null if it failed). */
export async function keepCopy(path: string, now: Date = new Date()): Promise<string | null> {
  const target = `${path}.corrupt-${now.toISOString().replace(/[:.]/g, "-")}`;
  try {
    await copyFile(path, target, fsConstants.COPYFILE_EXCL);
    return target;
  } catch {
    return null;
  }
}

class NonFiniteNumber extends Error {}

const finiteOnly = (key: string, value: unknown): unknown => {
  if (typeof value === "number" && !Number.isFinite(value)) throw new NonFiniteNumber(`${key} is ${value}`);
  return value;
};

/**
 * One account entry as JSON, or why it cannot be written: it fails validateAccount (the loader's
 * own rules), or holds a non-finite number anywhere (its estimator state included), which JSON
 * would write as null.
 */
export function serializeAccount(entry: AccountState): { json: string } | { why: string } {
  const bad = validateAccount(entry);
  if (bad) return { why: bad };
  try {
    return { json: JSON.stringify(entry, finiteOnly) };
  } catch (err) {
    if (err instanceof NonFiniteNumber) return { why: `not a finite number: ${err.message}` };
    throw err;
  }
}

/** The document's text with the entries given as JSON (see serializeAccount). */
export function documentText(savedAt: string, entries: readonly string[]): string {
  return `{"format":${JSON.stringify(STATE_FORMAT)},"version":${STATE_VERSION},"savedAt":${JSON.stringify(savedAt)},"accounts":[${entries.join(",")}]}\n`;
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
export async function writeStateFileAtomic(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
  const fh = await open(tmp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o644);
  try {
    await fh.writeFile(text, "utf8");
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
  /** Last JSON written per account (stateKey), to write again when an entry turns bad. */
  readonly #lastGood = new Map<string, string>();
  readonly #reportedBad = new Set<string>();

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

  /** Good entries as they are; a bad one as it last was (left out if it never was good), logged once. */
  #text(doc: StateDocument): string {
    const entries: string[] = [];
    for (const a of doc.accounts) {
      const key = stateKey(a.account, a.provider);
      const out = serializeAccount(a);
      if ("json" in out) {
        this.#lastGood.set(key, out.json);
        this.#reportedBad.delete(key);
        entries.push(out.json);
        continue;
      }
      const previous = this.#lastGood.get(key);
      if (previous !== undefined) entries.push(previous);
      if (!this.#reportedBad.has(key)) {
        this.#reportedBad.add(key);
        this.#logger.error("account state is not writable; keeping its last good entry in the state file", {
          account: a.account,
          provider: a.provider,
          reason: out.why,
          kept: previous !== undefined ? "last good entry" : "(none: the account is left out)",
        });
      }
    }
    return documentText(doc.savedAt, entries);
  }

  #write(): Promise<void> {
    this.#writing = this.#writing.then(async () => {
      if (!this.#dirty) return;
      this.#dirty = false;
      this.#lastWriteAt = Date.now();
      try {
        await writeStateFileAtomic(this.#path, this.#text(this.#snapshot()));
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

/** A temporary file of ours (state file or attempt journal) beside `path`; group 1 is the writer's pid. */
function tempPattern(path: string): RegExp {
  const base = basename(path).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^\\.${base}(?:\\.attempts)?\\.(?:tmp|probe)-(\\d+)-[0-9a-f]+$`);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A temporary file this old is nobody's write in progress (a write takes milliseconds). */
const STALE_TEMP_AGE_MS = 10 * 60_000;

/**
 * Removes temporary files a crash (kill -9 between create and rename) left beside the state file:
 * those of a process that no longer runs, of this pid (a container restarts with the same pid), or
 * older than 10 minutes. Returns how many were removed.
 */
export async function removeStaleTempFiles(path: string, logger: Logger, nowMs = Date.now()): Promise<number> {
  const dir = dirname(path);
  const pattern = tempPattern(path);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  let bytes = 0;
  for (const name of names) {
    const m = pattern.exec(name);
    if (!m) continue;
    const file = join(dir, name);
    try {
      const st = await stat(file);
      const pid = Number(m[1]);
      if (pid !== process.pid && processAlive(pid) && nowMs - st.mtimeMs < STALE_TEMP_AGE_MS) continue;
      await unlink(file);
      removed++;
      bytes += st.size;
    } catch {
      // gone already, or not ours to remove
    }
  }
  if (removed > 0) logger.info("removed temporary state files left by a crash", { path, files: removed, bytes });
  return removed;
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
  if (outcome.dropped.length > 0) {
    const copy = await keepCopy(path);
    for (const d of outcome.dropped) {
      logger.warn("state file entry unusable; that account starts afresh, the others are restored", {
        path,
        entry: d.index,
        account: d.account ?? "(unnamed)",
        provider: d.provider ?? "(unnamed)",
        reason: d.why,
        copy: copy ?? "(could not copy the file)",
      });
    }
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
