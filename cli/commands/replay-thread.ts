/**
 * The runway estimator of `captcha-runway replay` in a worker thread (replay-worker.ts), so that
 * reading and writing the rows (a third of a replay's work) runs beside the estimator on another
 * core instead of before and after it. Batches are estimated in the order they are handed over,
 * by one estimator, so the estimates are those of an estimator fed the rows one by one.
 */
import { Worker } from "node:worker_threads";

/** Numbers per row in an estimate batch: runway, lower bound, spend rate per second, trend per day (null as NaN). */
export const FIELDS = 4;

/** Rows handed to the estimator (the arrays are transferred, not copied). */
export interface RowBatch {
  timestamps: Float64Array<ArrayBuffer>;
  balances: Float64Array<ArrayBuffer>;
  rows: number;
}

/** The estimator's answer: FIELDS numbers per row for the first `rows` rows; `error` when it refused the next one. */
export interface EstimateBatch {
  estimates: Float64Array;
  rows: number;
  error: string | null;
}

export class EstimatorThread {
  private readonly worker: Worker;
  private readonly waiting: { resolve: (b: EstimateBatch) => void; reject: (err: Error) => void }[] = [];
  private stopped: string | null = null;

  constructor() {
    // Source (tests, `node cli/main.ts`) or build/: the worker is the sibling file of this module.
    const file = import.meta.url.endsWith(".ts") ? "./replay-worker.ts" : "./replay-worker.js";
    // No inherited Node flags: the worker needs none, and some (--input-type, --eval) would stop it.
    this.worker = new Worker(new URL(file, import.meta.url), { execArgv: [] });
    this.worker.on("message", (b: EstimateBatch) => this.waiting.shift()?.resolve(b));
    const fail = (why: string) => {
      this.stopped ??= why;
      for (const w of this.waiting.splice(0)) w.reject(new Error(why));
    };
    this.worker.on("error", (err) => fail(`the estimator thread failed: ${err.message}`));
    this.worker.on("exit", (code) => fail(`the estimator thread exited with code ${code}`));
  }

  /**
   * Hands `rows` rows to the estimator (the arrays are transferred: unusable here afterwards);
   * resolves with their estimates once the batches before them are done. A promise nobody awaits
   * any more (the replay stopped early) does not become an unhandled rejection.
   */
  estimate(timestamps: Float64Array<ArrayBuffer>, balances: Float64Array<ArrayBuffer>, rows: number): Promise<EstimateBatch> {
    const answer = new Promise<EstimateBatch>((resolve, reject) => {
      if (this.stopped !== null) {
        reject(new Error(this.stopped));
        return;
      }
      this.waiting.push({ resolve, reject });
      this.worker.postMessage({ timestamps, balances, rows } satisfies RowBatch, [timestamps.buffer, balances.buffer]);
    });
    answer.catch(() => {});
    return answer;
  }

  /** Stops the thread (what it has not answered yet is dropped). */
  async close(): Promise<void> {
    this.stopped ??= "the estimator thread was closed";
    await this.worker.terminate();
  }
}
