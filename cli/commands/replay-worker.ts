/**
 * Worker thread of `captcha-runway replay` (see replay-thread.ts): one runway estimator, fed the
 * rows it is handed in order, batch by batch. A batch in is its timestamps and balances; a batch
 * out is FIELDS numbers per row (null as NaN). If the estimator refuses a row, the answer holds
 * the estimates of the rows before it and the reason.
 */
import { parentPort } from "node:worker_threads";
import { RunwayEstimator } from "../../core/runway/estimator.ts";
import { type EstimateBatch, FIELDS, type RowBatch } from "./replay-thread.ts";

const estimator = new RunwayEstimator();

parentPort?.on("message", (m: RowBatch) => {
  const out = new Float64Array(m.rows * FIELDS);
  let done = 0;
  let error: string | null = null;
  try {
    for (; done < m.rows; done++) {
      const e = estimator.observe(m.timestamps[done]!, m.balances[done]!);
      const at = done * FIELDS;
      out[at] = e.runwaySeconds ?? Number.NaN;
      out[at + 1] = e.runwayLowerBoundSeconds ?? Number.NaN;
      out[at + 2] = e.spendRatePerSecond ?? Number.NaN;
      out[at + 3] = e.trendPerDay;
    }
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  }
  parentPort!.postMessage({ estimates: out, rows: done, error } satisfies EstimateBatch, [out.buffer]);
});
