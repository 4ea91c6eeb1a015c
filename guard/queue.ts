/**
 * The guard's durable queue: one JSON object per line, appended and fsynced before `run` reports an
 * item as queued, so a crash (kill -9, power loss after the fsync) loses nothing that was reported.
 *
 *     {"v":1,"op":"add","seq":1,"id":"item-7","queuedAt":"2026-12-01T21:00:00.000Z","reason":"low","params":{…}}
 *     {"v":1,"op":"done","seq":1}
 *
 * - A torn last line (a crash in the middle of an append) was never reported as queued: it is cut off
 *   when the file is opened. Any other line that is not a record is an error naming the line.
 * - Appends from concurrent callers are written together, one write and one fsync per batch.
 * - Items are removed by appending `done` records; the file is rewritten (temporary file, fsync,
 *   rename, fsync of the directory) when it is opened and after a drain, so it stays small.
 * - One process at a time: `<file>.lock` holds the owner's pid; a lock left by a dead process is taken over.
 * - Bounded: at most `maxItems` pending items, each at most `maxItemBytes` of JSON.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { type FileHandle, open, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";
import { InputError } from "../core/errors.ts";
import { redact } from "../core/redact.ts";
import { QueueFullError } from "./errors.ts";

export interface QueuedItem<P = unknown> {
  /** The item's id: the caller's, or one the guard generated. Use it to make the replay idempotent. */
  readonly id: string;
  /** The `params` given to `run`, as JSON. */
  readonly params?: P;
  /** When it was queued (ISO 8601). */
  readonly queuedAt: string;
  /** Why it was queued: low, zero-balance or unreadable. */
  readonly reason: string;
  /** Position in the queue file (increasing). */
  readonly seq: number;
}

interface AddRecord {
  v: 1;
  op: "add";
  seq: number;
  id: string;
  queuedAt: string;
  reason: string;
  params?: unknown;
}
interface DoneRecord {
  v: 1;
  op: "done";
  seq: number;
}

export interface QueueOptions {
  readonly file: string;
  readonly maxItems: number;
  readonly maxItemBytes: number;
  /** Values that must never be written (the API key). */
  readonly secrets: readonly string[];
}

/** Reads a queue file without opening it for writing: the pending items, in order. */
export function readQueueFile(file: string): QueuedItem[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  return [...parseRecords(text, file).pending.values()];
}

function parseRecords(text: string, file: string): { pending: Map<number, QueuedItem>; maxSeq: number; validBytes: number; doneCount: number } {
  const pending = new Map<number, QueuedItem>();
  let maxSeq = 0;
  let doneCount = 0;
  const end = text.lastIndexOf("\n") + 1; // a tail without its newline is a torn append
  const body = text.slice(0, end);
  const lines = body.split("\n");
  lines.pop();
  for (const [i, line] of lines.entries()) {
    if (line.trim() === "") continue;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch {
      rec = null;
    }
    const r = rec as { v?: unknown; op?: unknown; seq?: unknown; id?: unknown; params?: unknown; queuedAt?: unknown; reason?: unknown } | null;
    if (!r || typeof r !== "object" || r.v !== 1 || typeof r.seq !== "number" || (r.op !== "add" && r.op !== "done")) {
      throw new InputError(
        `${file}: line ${i + 1} is not a guard queue record; expected one JSON object per line with "v":1 and "op" add or done (move the file away to start an empty queue)`,
      );
    }
    const seq = r.seq as number;
    maxSeq = Math.max(maxSeq, seq);
    if (r.op === "done") {
      pending.delete(seq);
      doneCount++;
    } else {
      pending.set(seq, {
        id: String(r.id),
        ...(r.params !== undefined ? { params: r.params } : {}),
        queuedAt: String(r.queuedAt),
        reason: String(r.reason),
        seq,
      });
    }
  }
  return { pending, maxSeq, validBytes: Buffer.byteLength(body), doneCount };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

interface PendingAppend {
  readonly line: string;
  /** Applied to the in-memory state once the line is on disk, before anything else touches the file. */
  readonly apply: () => void;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

export class DurableQueue {
  readonly #o: QueueOptions;
  readonly #lockFile: string;
  #fh: FileHandle | null = null;
  #pending = new Map<number, QueuedItem>();
  #seq = 0;
  #doneSinceCompaction = 0;
  #batch: PendingAppend[] = [];
  #writeScheduled = false;
  /** Bytes of complete records in the file (a failed append is cut back to it). */
  #size = 0;
  /** Every file operation (a batch of appends, a compaction, closing) runs in this one chain. */
  #chain: Promise<void> = Promise.resolve();
  /** Adds accepted but not yet fsynced (count against the bound). */
  #inWrite = 0;
  #releaseLock: (() => void) | null = null;

  private constructor(options: QueueOptions) {
    this.#o = options;
    this.#lockFile = `${options.file}.lock`;
  }

  /** Opens (or creates) the queue file, takes its lock, cuts a torn last line, compacts. */
  static async open(options: QueueOptions): Promise<DurableQueue> {
    const q = new DurableQueue(options);
    q.#lock();
    try {
      await q.#load();
    } catch (err) {
      q.#unlock();
      throw err;
    }
    return q;
  }

  /** Pending items (queued and not yet drained), oldest first. */
  get depth(): number {
    return this.#pending.size + this.#inWrite;
  }

  items(): QueuedItem[] {
    return [...this.#pending.values()];
  }

  /** Appends an item and resolves once it is on disk (fsynced). */
  async add(item: { id: string; params?: unknown; reason: string }): Promise<QueuedItem> {
    if (this.#fh === null) throw new Error(`the guard's queue ${this.#o.file} is closed`);
    if (this.depth >= this.#o.maxItems) throw new QueueFullError(this.#o.file, this.#o.maxItems, item.id);
    const seq = ++this.#seq;
    const rec: AddRecord = { v: 1, op: "add", seq, id: item.id, queuedAt: new Date().toISOString(), reason: item.reason };
    if (item.params !== undefined) rec.params = item.params;
    let line: string;
    try {
      line = JSON.stringify(rec);
    } catch (err) {
      throw new InputError(`item ${JSON.stringify(item.id)}: its params cannot be written as JSON (${(err as Error).message})`);
    }
    if (line === undefined) throw new InputError(`item ${JSON.stringify(item.id)}: its params cannot be written as JSON`);
    if (redact(line, this.#o.secrets) !== line) {
      throw new InputError(`item ${JSON.stringify(item.id)}: its params contain the API key; the queue never stores the key, so pass params without it`);
    }
    if (Buffer.byteLength(line) > this.#o.maxItemBytes) {
      throw new InputError(`item ${JSON.stringify(item.id)}: its params take ${Buffer.byteLength(line)} bytes as JSON, more than ${this.#o.maxItemBytes} (maxItemBytes)`);
    }
    const queued: QueuedItem = {
      id: rec.id,
      ...(rec.params !== undefined ? { params: JSON.parse(line).params as unknown } : {}),
      queuedAt: rec.queuedAt,
      reason: rec.reason,
      seq,
    };
    this.#inWrite++;
    try {
      await this.#append(`${line}\n`, () => {
        this.#pending.set(seq, queued);
      });
    } finally {
      this.#inWrite--;
    }
    return queued;
  }

  /** Removes an item (appends its `done` record, fsynced). */
  async done(seq: number): Promise<void> {
    if (!this.#pending.has(seq)) return;
    await this.#append(`${JSON.stringify({ v: 1, op: "done", seq } satisfies DoneRecord)}\n`, () => {
      this.#pending.delete(seq);
      this.#doneSinceCompaction++;
    });
  }

  /** Rewrites the file with the pending items only, when there is something to drop. */
  compact(): Promise<void> {
    return this.#serial(() => this.#compactNow());
  }

  async #compactNow(): Promise<void> {
    if (this.#fh === null || this.#doneSinceCompaction === 0) return;
    const tmp = `${this.#o.file}.tmp-${process.pid}`;
    const lines = [...this.#pending.values()].map((it) => {
      const rec: AddRecord = { v: 1, op: "add", seq: it.seq, id: it.id, queuedAt: it.queuedAt, reason: it.reason };
      if (it.params !== undefined) rec.params = it.params;
      return `${JSON.stringify(rec)}\n`;
    });
    const out = await open(tmp, "w", 0o600);
    try {
      await out.writeFile(lines.join(""));
      await out.sync();
    } finally {
      await out.close();
    }
    await this.#fh.close();
    this.#fh = null;
    await rename(tmp, this.#o.file);
    await fsyncDir(path.dirname(path.resolve(this.#o.file)));
    this.#fh = await open(this.#o.file, "a", 0o600);
    this.#size = Buffer.byteLength(lines.join(""));
    this.#doneSinceCompaction = 0;
  }

  /** Waits for pending writes, closes the file and releases the lock. */
  async close(): Promise<void> {
    await this.#serial(async () => {
      if (this.#fh) await this.#fh.close();
      this.#fh = null;
    });
    this.#unlock();
  }

  async #load(): Promise<void> {
    const file = this.#o.file;
    let text = "";
    let existed = true;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
        throw new InputError(`cannot read the guard's queue file ${file} (${(err as NodeJS.ErrnoException).code ?? "unreadable"})`);
      }
      existed = false;
    }
    const parsed = parseRecords(text, file);
    this.#pending = parsed.pending;
    this.#seq = parsed.maxSeq;
    try {
      this.#fh = await open(file, "a", 0o600);
    } catch (err) {
      throw new InputError(`cannot open the guard's queue file ${file} for appending (${(err as NodeJS.ErrnoException).code ?? "error"})`);
    }
    this.#size = parsed.validBytes;
    if (!existed) await fsyncDir(path.dirname(path.resolve(file)));
    const torn = Buffer.byteLength(text) !== parsed.validBytes;
    if (torn || parsed.doneCount > 0) {
      // rewrite: drops the torn tail (never reported as queued) and the drained items
      this.#doneSinceCompaction = Math.max(1, parsed.doneCount);
      await this.#compactNow();
    }
  }

  #serial(op: () => Promise<void>): Promise<void> {
    const run = this.#chain.then(op);
    this.#chain = run.catch(() => {});
    return run;
  }

  #append(line: string, apply: () => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#batch.push({ line, apply, resolve, reject });
      if (!this.#writeScheduled) {
        this.#writeScheduled = true;
        void this.#serial(() => this.#writeBatch());
      }
    });
  }

  /** Writes every append waiting now with one write and one fsync (group commit). */
  async #writeBatch(): Promise<void> {
    this.#writeScheduled = false;
    const batch = this.#batch;
    this.#batch = [];
    if (batch.length === 0) return;
    const data = batch.map((b) => b.line).join("");
    try {
      const fh = this.#fh;
      if (fh === null) throw new Error("closed");
      try {
        await fh.write(data);
        await fh.datasync();
      } catch (err) {
        // a partial line must not glue onto the next append
        await fh.truncate(this.#size).catch(() => {});
        throw err;
      }
      this.#size += Buffer.byteLength(data);
    } catch (err) {
      const e = new Error(`cannot write the guard's queue file ${this.#o.file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      for (const b of batch) b.reject(e);
      return;
    }
    for (const b of batch) {
      b.apply();
      b.resolve();
    }
  }

  #lock(): void {
    const lockFile = this.#lockFile;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(lockFile, "wx", 0o600);
        writeSync(fd, `${process.pid}\n`);
        closeSync(fd);
        const release = () => {
          try {
            if (readFileSync(lockFile, "utf8").trim() === String(process.pid)) unlinkSync(lockFile);
          } catch {
            // already gone
          }
        };
        process.once("exit", release);
        this.#releaseLock = () => {
          process.removeListener("exit", release);
          release();
        };
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") {
          throw new InputError(`cannot create the lock file ${lockFile} next to the guard's queue (${(err as NodeJS.ErrnoException).code ?? "error"})`);
        }
        let owner = Number.NaN;
        try {
          owner = Number.parseInt(readFileSync(lockFile, "utf8"), 10);
        } catch {
          // vanished or unreadable: try again
        }
        if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && processAlive(owner)) {
          throw new InputError(
            `the guard's queue ${this.#o.file} is in use by process ${owner} (lock file ${lockFile}); one process per queue file — give each job its own queueFile`,
          );
        }
        if (owner === process.pid) {
          throw new InputError(`the guard's queue ${this.#o.file} is already open in this process; share one BalanceGuard per queue file`);
        }
        // a lock left behind by a process that is gone (kill -9): take it over
        try {
          unlinkSync(lockFile);
        } catch {
          // someone else took it over first; the next attempt decides
        }
      }
    }
    throw new InputError(`cannot take the lock ${lockFile} for the guard's queue`);
  }

  #unlock(): void {
    this.#releaseLock?.();
    this.#releaseLock = null;
  }
}

/** Removes a queue file, its lock and its check record (tests, tools). */
export async function removeQueueFile(file: string): Promise<void> {
  await rm(file, { force: true });
  await rm(`${file}.lock`, { force: true });
  await rm(`${file}.check`, { force: true });
}
