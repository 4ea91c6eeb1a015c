/**
 * When each account last called its provider, recorded *before* the call, so a crash loop (kill -9,
 * OOM kills, a crashing node) cannot break a provider's minimum interval: the state file is written
 * at most every --state.write-interval, and calls made since its last write would be forgotten.
 *
 * The journal is a file beside the state file (`<state file>.attempts`), one JSON line per call,
 * `{"a":account,"p":provider,"t":unix ms}`, appended with one synchronous write(2) of ~60 bytes on
 * an O_APPEND descriptor before each call. A process killed with SIGKILL loses nothing it wrote
 * (the data is in the kernel's page cache); only a power loss can lose the last lines, and a host
 * takes longer to come back than any provider's minimum interval. No fsync: that would cost
 * milliseconds per call for a case a reboot already covers. Measured by bench/state.bench.ts.
 *
 * When the file grows past a bound it is rewritten with one line per account (temporary file and
 * rename, like the state file), so its size stays O(accounts). A torn last line (a kill in the
 * middle of a write) is skipped on reading.
 */
import { randomBytes } from "node:crypto";
import { closeSync, constants as fsConstants, fstatSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { InputError } from "../core/errors.ts";
import type { Logger } from "./logger.ts";
import { describeFsError, stateKey } from "./state-file.ts";

/** The journal beside a state file. */
export function journalPath(stateFile: string): string {
  return `${stateFile}.attempts`;
}

/** Compaction bound: rewrite when the file exceeds this many bytes (and 4 lines per account). */
const MIN_COMPACT_BYTES = 64 * 1024;

/** Latest attempt per account (stateKey) in a journal's text; bad lines are skipped. */
export function parseJournal(text: string): Map<string, number> {
  const latest = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      continue;
    }
    const r = v as { a?: unknown; p?: unknown; t?: unknown };
    if (typeof r?.a !== "string" || typeof r.p !== "string" || typeof r.t !== "number" || !Number.isFinite(r.t)) continue;
    const key = stateKey(r.a, r.p);
    latest.set(key, Math.max(latest.get(key) ?? Number.NEGATIVE_INFINITY, r.t));
  }
  return latest;
}

/** Account and provider back from a stateKey (for entries read from the file: the provider has no NUL). */
function splitKey(key: string): { a: string; p: string } {
  const i = key.lastIndexOf("\u0000");
  return { a: key.slice(0, i), p: key.slice(i + 1) };
}

export class AttemptJournal {
  readonly path: string;
  readonly #logger: Logger;
  readonly #latest: Map<string, number>;
  /** Account and provider of each key recorded by this process (names may hold any character). */
  readonly #names = new Map<string, { a: string; p: string }>();
  #compactAt: number;
  #fd: number;
  #size: number;
  #failing = false;

  private constructor(path: string, fd: number, latest: Map<string, number>, accounts: number, logger: Logger) {
    this.path = path;
    this.#fd = fd;
    this.#latest = latest;
    this.#size = fstatSync(fd).size;
    this.#compactAt = Math.max(MIN_COMPACT_BYTES, accounts * 4 * 128);
    this.#logger = logger;
  }

  /**
   * Reads the journal (missing: empty) and opens it for appending. Refuses (InputError, exit 2) a
   * journal it cannot read or write: starting anyway could break the provider's minimum interval.
   */
  static open(stateFile: string, accounts: number, logger: Logger): AttemptJournal {
    const path = journalPath(stateFile);
    let latest = new Map<string, number>();
    try {
      latest = parseJournal(readFileSync(path, "utf8"));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
        throw new InputError(`--state.file: cannot read ${path}, the record of the last provider calls: ${describeFsError(err)}; fix it or point --state.file elsewhere`);
      }
    }
    let fd: number;
    try {
      fd = openSync(path, fsConstants.O_WRONLY | fsConstants.O_APPEND | fsConstants.O_CREAT, 0o644);
    } catch (err) {
      throw new InputError(
        `--state.file: cannot write ${path}, the record of the last provider calls, next to the state file: ${describeFsError(err)}; the directory must be writable`,
      );
    }
    return new AttemptJournal(path, fd, latest, accounts, logger);
  }

  /** The last recorded attempt of an account (unix ms), if any. */
  lastAttempt(account: string, provider: string): number | undefined {
    return this.#latest.get(stateKey(account, provider));
  }

  /** Records an attempt about to be made. Never throws: a failure is logged once, and polling goes on. */
  record(account: string, provider: string, atMs: number): void {
    const key = stateKey(account, provider);
    this.#latest.set(key, atMs);
    if (!this.#names.has(key)) this.#names.set(key, { a: account, p: provider });
    const line = `${JSON.stringify({ a: account, p: provider, t: atMs })}\n`;
    try {
      // a compacted file already holds this attempt; if compaction fails, append as usual
      if (!(this.#size + line.length > this.#compactAt && this.#tryCompact())) this.#size += writeSync(this.#fd, line);
      if (this.#failing) this.#logger.info("recording provider calls again", { path: this.path });
      this.#failing = false;
    } catch (err) {
      if (!this.#failing) {
        this.#logger.error("cannot record a provider call; after a crash the provider's minimum interval may not be kept", {
          path: this.path,
          err: describeFsError(err),
        });
      }
      this.#failing = true;
    }
  }

  #tryCompact(): boolean {
    try {
      this.#compact();
      return true;
    } catch (err) {
      this.#compactAt *= 2; // try again later, not on every call
      this.#logger.warn("cannot compact the record of provider calls; appending to it", { path: this.path, err: describeFsError(err) });
      return false;
    }
  }

  /** Rewrites the journal with one line per account (atomic rename), then appends to the new file. */
  #compact(): void {
    let text = "";
    for (const [key, t] of this.#latest) {
      const { a, p } = this.#names.get(key) ?? splitKey(key);
      text += `${JSON.stringify({ a, p, t })}\n`;
    }
    const tmp = join(dirname(this.path), `.${basename(this.path)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
    try {
      writeFileSync(tmp, text, { flag: "wx", mode: 0o644 });
      renameSync(tmp, this.path);
    } catch (err) {
      try {
        unlinkSync(tmp);
      } catch {
        // never created
      }
      throw err;
    }
    closeSync(this.#fd);
    this.#fd = openSync(this.path, fsConstants.O_WRONLY | fsConstants.O_APPEND);
    this.#size = Buffer.byteLength(text);
  }

  close(): void {
    try {
      closeSync(this.#fd);
    } catch {
      // already closed
    }
  }
}
