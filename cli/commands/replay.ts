import { createReadStream } from "node:fs";
import type { Readable, Writable } from "node:stream";
import type { CommandModule } from "yargs";
import { fileErrorReason } from "../../core/errors.ts";
import {
  type HistoryColumns,
  HistoryCsvError,
  type HistoryRow,
  parseHeader,
  parseRow,
} from "../../core/runway/history-csv.ts";
import { type EstimateBatch, EstimatorThread, FIELDS } from "./replay-thread.ts";

interface ReplayArgs {
  file: string;
}

/** Size of an output chunk handed to the stream (bytes; the output is ASCII, a byte a character). */
const CHUNK_BYTES = 1 << 20;

/**
 * Collects the output in chunks of CHUNK_BYTES and hands each full one to the stream at once (a
 * million rows are over a hundred megabytes: written row by row or as strings, the copying and the
 * promises would cost more than the estimator). replayStream waits for the stream to drain after
 * each input chunk (back-pressure); the writer stops quietly if the reader goes away (EPIPE).
 */
class ChunkWriter {
  private readonly out: Writable;
  private chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;
  closed = false;
  constructor(out: Writable) {
    this.out = out;
    out.on("error", () => {
      this.closed = true;
    });
  }
  /** Appends `s` (ASCII), handing the chunk to the stream when it is full. */
  write(s: string): void {
    if (this.used + s.length > this.chunk.length) {
      this.handOver();
      if (s.length > this.chunk.length) this.chunk = Buffer.allocUnsafe(s.length);
    }
    this.used += this.chunk.write(s, this.used, "latin1");
  }
  /** Hands what is collected to the stream; a fresh chunk follows (the stream may hold on to this one). */
  private handOver(): void {
    if (this.used > 0 && !this.closed) this.out.write(this.chunk.subarray(0, this.used));
    this.chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    this.used = 0;
  }
  /** Hands over what is collected, then waits until the stream has taken it in (or has closed). */
  async flush(): Promise<void> {
    this.handOver();
    if (this.closed || !this.out.writableNeedDrain) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.out.off("drain", done);
        this.out.off("error", done);
        this.out.off("close", done);
        resolve();
      };
      this.out.on("drain", done);
      this.out.on("error", done);
      this.out.on("close", done);
    });
  }
}

/**
 * `n` to `digits` significant digits, as JSON: String(Number(n.toPrecision(digits))). Where
 * toPrecision writes the number out in full (no exponent: 10^-6 <= |n| < 10^digits, every spend
 * rate an account has), that is its text without the trailing zeros of the fraction, taken
 * directly: a double holds any decimal of up to 15 digits exactly enough that its shortest form
 * is those digits again. Otherwise through the round trip.
 */
function num(n: number | null, digits: number): string {
  if (n === null || !Number.isFinite(n)) return "null";
  const p = n.toPrecision(digits);
  if (p.indexOf("e") !== -1) return String(Number(p));
  const dot = p.indexOf(".");
  if (dot === -1) return p;
  let end = p.length;
  while (p.charCodeAt(end - 1) === 48 /* 0 */) end--;
  return p.slice(0, end - 1 === dot ? dot : end);
}

export interface ReplaySummary {
  rows: number;
  /** Rows whose timestamp was not later than the previous accepted one (they did not update the estimate). */
  ignored: number;
}

/**
 * Rows handed to the estimator's thread at a time, and the batches that may be out once an input
 * chunk is parsed (more, and the lines of the oldest are written first: memory stays bounded).
 */
const BATCH_ROWS = 4096;
const MAX_IN_FLIGHT = 4;

/** Parsed rows on their way to the estimator, and what the output needs of them. */
class Batch {
  rows = 0;
  timestamps = new Float64Array(BATCH_ROWS);
  balances = new Float64Array(BATCH_ROWS);
  /** The balance's text for the output: as written where it prints so (see HistoryRow.balanceText). */
  readonly texts: string[] = [];
}

/**
 * Streams a `timestamp,balance` CSV through the runway estimator, writing one JSON object per data
 * row. Throws HistoryCsvError (with the line number) on the first malformed line; rows before it
 * have been written by then. The estimator runs in a worker thread (replay-thread.ts): rows go to it
 * in batches, in order, and their lines are written as its answers come back.
 */
export async function replayStream(input: Readable, output: Writable): Promise<ReplaySummary> {
  const writer = new ChunkWriter(output);
  const thread = new EstimatorThread();
  const row: HistoryRow = { timestamp: 0, balance: 0, balanceText: null };
  let cols: HistoryColumns | null = null;
  let lineNo = 0;
  let rows = 0;
  let ignored = 0;
  let lastT = Number.NEGATIVE_INFINITY;
  let carry = "";
  // the trend changes once an hour at most: its text is kept until it does
  let trend = 0;
  let trendText = "0";
  let batch = new Batch();
  // batches handed to the estimator, oldest first, with the timestamps and balances their lines need
  const inFlight: { batch: Batch; stamps: Float64Array; answer: Promise<EstimateBatch> }[] = [];

  // synchronous: the lines of an input chunk are parsed in one go, then the estimates are written
  const handle = (rawLine: string): void => {
    lineNo++;
    const line = rawLine.endsWith("\r") ? rawLine.slice(0, -1) : rawLine;
    if (cols === null) {
      if (line.trim() === "") throw new HistoryCsvError(lineNo, 'expected the header "timestamp,balance"');
      cols = parseHeader(line);
      return;
    }
    if (line.trim() === "") return;
    parseRow(line, lineNo, cols, row);
    if (row.timestamp <= lastT) ignored++;
    else lastT = row.timestamp;
    rows++;
    const i = batch.rows++;
    batch.timestamps[i] = row.timestamp;
    batch.balances[i] = row.balance;
    batch.texts.push(row.balanceText ?? String(row.balance));
    if (batch.rows === BATCH_ROWS) dispatch();
  };

  const dispatch = (): void => {
    if (batch.rows === 0) return;
    // the arrays go to the thread; the timestamps are kept for the output
    const stamps = batch.timestamps.slice(0, batch.rows);
    const answer = thread.estimate(batch.timestamps, batch.balances, batch.rows);
    inFlight.push({ batch, stamps, answer });
    batch = new Batch();
  };

  // writes the lines of the oldest batch handed over, once its estimates are back
  const writeOldest = async (): Promise<void> => {
    const { batch: b, stamps, answer } = inFlight.shift()!;
    const { estimates, rows: done, error } = await answer;
    for (let i = 0; i < done && !writer.closed; i++) {
      const at = i * FIELDS;
      const runwaySeconds = estimates[at]!;
      const lowSeconds = estimates[at + 1]!;
      const runway = Number.isNaN(runwaySeconds) ? "null" : String(Math.round(runwaySeconds));
      const low = Number.isNaN(lowSeconds) ? "null" : String(Math.round(lowSeconds));
      const trendPerDay = estimates[at + 3]!;
      if (trendPerDay !== trend) {
        trend = trendPerDay;
        trendText = trend === 0 ? "0" : num(trend, 4);
      }
      writer.write(
        `{"timestamp":${stamps[i]},"balance":${b.texts[i]},"runway_seconds":${runway},"runway_lower_bound_seconds":${low},"spend_rate_per_second":${num(estimates[at + 2]!, 6)},"trend_per_day":${trendText}}\n`,
      );
    }
    if (error !== null) throw new Error(error);
  };

  try {
    input.setEncoding("utf8");
    try {
      for await (const chunk of input as AsyncIterable<string>) {
        if (writer.closed) break;
        let start = 0;
        let nl = chunk.indexOf("\n");
        if (nl !== -1 && carry) {
          handle(carry + chunk.slice(0, nl));
          carry = "";
          start = nl + 1;
          nl = chunk.indexOf("\n", start);
        }
        while (nl !== -1) {
          handle(chunk.slice(start, nl));
          start = nl + 1;
          nl = chunk.indexOf("\n", start);
        }
        carry += chunk.slice(start);
        while (inFlight.length > MAX_IN_FLIGHT && !writer.closed) await writeOldest();
        await writer.flush();
      }
      if (carry && !writer.closed) handle(carry);
      if (cols === null) throw new HistoryCsvError(1, 'the file is empty; expected the header "timestamp,balance"');
    } finally {
      // the rows before the end, or before a malformed line, are written first
      dispatch();
      while (inFlight.length > 0 && !writer.closed) await writeOldest();
    }
  } finally {
    await thread.close();
    await writer.flush();
  }
  return { rows, ignored };
}

export const replayCommand: CommandModule<object, ReplayArgs> = {
  command: "replay <file>",
  describe:
    "Replay a balance history CSV (timestamp,balance) through the runway estimator: one JSON line per row",
  builder: (y) =>
    y
      .positional("file", { type: "string", demandOption: true, describe: "CSV file, or - for standard input" })
      .example("$0 replay history.csv > runway.jsonl", "estimate the runway at every sample of an exported history")
      .example("$0 replay - < history.csv", "the same from standard input")
      .epilog(
        [
          "Input: a CSV file whose first line is a header naming a timestamp and a balance column",
          "(case-insensitive, in any order; other columns are ignored; quoted fields are fine):",
          "  timestamp   when the balance was read: unix seconds (1767225600, decimals allowed) or",
          "              ISO 8601 (2026-01-01T00:00:00Z; without an offset read as UTC); not milliseconds",
          "  balance     the balance then, a number in the account's currency",
          "For example:",
          "  timestamp,balance",
          "  1767225600,10.00",
          "  2026-01-01T00:01:00Z,9.99",
          "",
          "Output: one JSON line per data row, in input order:",
          '  {"timestamp":1767225660,"balance":9.99,"runway_seconds":59940,"runway_lower_bound_seconds":19750,',
          '   "spend_rate_per_second":0.000166667,"trend_per_day":0}',
          "runway_seconds and runway_lower_bound_seconds (the 1-in-10 pessimistic runway) are null until some",
          "spending has been seen. A row whose timestamp is not later than an earlier one does not update",
          "the estimate (counted on stderr). A malformed row stops the replay naming its line (exit 2).",
          "",
          "Exit codes: 0 every row replayed, 2 the file is missing or unreadable, or a row is malformed.",
        ].join("\n"),
      ),
  handler: async (argv) => {
    // yargs-parser hands a lone "-" over as an empty string
    const useStdin = argv.file === "-" || argv.file === "";
    const name = useStdin ? "stdin" : argv.file;
    const input = useStdin ? process.stdin : createReadStream(argv.file, { highWaterMark: 1 << 20 });
    try {
      const summary = await replayStream(input, process.stdout);
      if (summary.ignored > 0) {
        process.stderr.write(
          `captcha-runway replay: ${summary.ignored} row(s) had a timestamp not later than an earlier row and did not update the estimate\n`,
        );
      }
      process.exitCode = 0;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      let message: string;
      if (err instanceof HistoryCsvError) message = `${name} ${e.message}`;
      else if (e.code === "EISDIR") message = `cannot read ${name}: it is a directory, expected a CSV file`;
      else if (e.code !== undefined) message = `cannot read ${name}: ${fileErrorReason(e)}`;
      else message = `cannot replay ${name}: ${e.message}`;
      process.stderr.write(`captcha-runway replay: ${message}\n`);
      process.exitCode = 2;
    } finally {
      if (input !== process.stdin) input.destroy();
    }
  },
};
