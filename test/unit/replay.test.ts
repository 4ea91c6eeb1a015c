import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { replayStream } from "../../cli/commands/replay.ts";
import { EstimatorThread, FIELDS } from "../../cli/commands/replay-thread.ts";
import { RunwayEstimator } from "../../core/runway/estimator.ts";
import { HistoryCsvError, parseHeader, parseRow, parseTimestamp } from "../../core/runway/history-csv.ts";

const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z

async function replayText(text: string, chunk = 7): Promise<{ out: string; error: unknown }> {
  // feed in small chunks so lines are split across chunk boundaries
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += chunk) parts.push(text.slice(i, i + chunk));
  const output = new PassThrough();
  let out = "";
  output.on("data", (d: Buffer) => {
    out += d.toString();
  });
  let error: unknown = null;
  try {
    await replayStream(Readable.from(parts), output);
  } catch (err) {
    error = err;
  }
  return { out, error };
}

function lines(out: string): Record<string, unknown>[] {
  return out
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describe("history CSV parsing", () => {
  it("reads unix seconds and ISO 8601 timestamps", () => {
    expect(parseTimestamp("1767225600", 2)).toBe(T0);
    expect(parseTimestamp(" 1767225600.5 ", 2)).toBe(T0 + 0.5);
    expect(parseTimestamp("2026-01-01T00:00:00Z", 2)).toBe(T0);
    expect(parseTimestamp("2026-01-01T01:30:00+01:30", 2)).toBe(T0);
    expect(parseTimestamp("2025-12-31T19:00:00-0500", 2)).toBe(T0);
    expect(parseTimestamp("2026-01-01 00:00:01.250", 2)).toBe(T0 + 1.25);
    expect(parseTimestamp("2026-01-01", 2)).toBe(T0);
  });

  it("rejects timestamps it cannot read, naming the line", () => {
    expect(() => parseTimestamp("1767225600000", 5)).toThrow(/line 5: .*looks like milliseconds/);
    expect(() => parseTimestamp("yesterday", 6)).toThrow(/line 6: timestamp "yesterday" is neither unix seconds nor/);
    expect(() => parseTimestamp("2026-02-30T00:00:00Z", 7)).toThrow(/line 7/);
    expect(() => parseTimestamp("", 8)).toThrow(/line 8/);
  });

  it("finds the columns in any order, ignoring others and a byte-order mark", () => {
    expect(parseHeader("timestamp,balance")).toEqual({ timestamp: 0, balance: 1, width: 2 });
    expect(parseHeader('\uFEFFaccount, Balance ,"TIMESTAMP",note')).toEqual({ timestamp: 2, balance: 1, width: 4 });
    expect(() => parseHeader("time,value")).toThrow(/line 1: .*missing timestamp and balance/);
    expect(() => parseHeader("timestamp,balance,balance")).toThrow(/more than once/);
  });

  it("parses rows with quoted fields and reports bad ones", () => {
    const cols = parseHeader("note,balance,timestamp");
    const row = { timestamp: 0, balance: 0 };
    parseRow('"top-up, manual",12.5,1767225600', 3, cols, row);
    expect(row).toEqual({ timestamp: T0, balance: 12.5 });
    expect(() => parseRow("x,abc,1767225600", 4, cols, row)).toThrow(/line 4: balance "abc" is not a number/);
    expect(() => parseRow("x,,1767225600", 4, cols, row)).toThrow(/line 4: balance "" is not a number/);
    expect(() => parseRow("x,12", 9, cols, row)).toThrow(/line 9: expected 3 columns as in the header, got 2/);
    expect(() => parseRow('"open,12,1767225600', 10, cols, row)).toThrow(/line 10: unterminated quoted field/);
  });

  it("reads every number exactly as JavaScript's Number does, however it is written", () => {
    // plain decimals take a fast path; signs, zeros, 15 and more digits, exponents and spaces must
    // come out the same as the general one
    const cols = parseHeader("timestamp,balance");
    const row = { timestamp: 0, balance: 0 };
    const balances = [
      "0", "-0", "+0", "0.0000", "007.50", "252.1077", "-3.25", "+9.99", "0.1", "0.3", "1.005",
      "123456789012345", "12345678901234.5", "1234567890123456", "0.12345678901234567", "9007199254740993",
      "1e3", "2.5E-4", ".5", "5.", " 12.5", "12.5 ", "0.000001", "0.0000001",
    ];
    for (const b of balances) {
      parseRow(`1767225600,${b}`, 2, cols, row);
      expect(Object.is(row.balance, Number(b.trim())), b).toBe(true);
    }
    for (const t of ["1767225600", "1767225600.25", "+1767225600", "1.7672256e9", "99999999999"]) {
      parseRow(`${t},1`, 2, cols, row);
      expect(row.timestamp, t).toBe(Number(t));
    }
    expect(() => parseRow("100000000000,1", 3, cols, row)).toThrow(/line 3: .*looks like milliseconds/);
    expect(() => parseRow("1767225600,1.2.3", 4, cols, row)).toThrow(/line 4: balance "1.2.3" is not a number/);
    expect(() => parseRow("1767225600,-", 5, cols, row)).toThrow(/line 5: balance "-" is not a number/);
    expect(() => parseRow("1767225600", 6, cols, row)).toThrow(/line 6: expected 2 columns as in the header, got 1/);
  });
});

describe("replay stream", () => {
  it("prints one JSON object per row, in order, matching the estimator", async () => {
    let csv = "balance,timestamp,source\r\n";
    const e = new RunwayEstimator();
    const expected: (number | null)[] = [];
    for (let i = 0; i < 500; i++) {
      const t = T0 + i * 60;
      const b = Math.round((100 - i * 0.01) * 1000) / 1000;
      csv += `${b},${i % 2 ? t : new Date(t * 1000).toISOString()},api\r\n`;
      const r = e.observe(t, b).runwaySeconds;
      expected.push(r === null ? null : Math.round(r));
    }
    const { out, error } = await replayText(csv);
    expect(error).toBeNull();
    const rows = lines(out);
    expect(rows).toHaveLength(500);
    expect(Object.keys(rows[1]!)).toEqual([
      "timestamp",
      "balance",
      "runway_seconds",
      "runway_lower_bound_seconds",
      "spend_rate_per_second",
      "trend_per_day",
    ]);
    expect(rows[0]).toEqual({
      timestamp: T0,
      balance: 100,
      runway_seconds: null,
      runway_lower_bound_seconds: null,
      spend_rate_per_second: null,
      trend_per_day: 0,
    });
    expect(rows.map((r) => r["runway_seconds"])).toEqual(expected);
    // 0.01 per minute from 95.01: about 9,500 minutes left
    expect(rows[499]!["runway_seconds"]).toBeCloseTo(95.01 * 6000, -3);
    expect(rows[499]!["spend_rate_per_second"]).toBeCloseTo(0.01 / 60, 8);
  });

  it("prints each balance as JavaScript prints its value, however the file writes it", async () => {
    // a balance written as JavaScript would print it is echoed; any other spelling is printed anew
    const balances = [
      "252.1077", "252.1070", "0", "-0", "+5", "007.5", "0.000001", "0.0000001", "-0.5", "-0.0",
      "1e3", "12.5 ", "123456789012345", "1234567890123456.5", "0.1", "10", "-3", "5.",
    ];
    const csv = `timestamp,balance\n${balances.map((b, i) => `${T0 + i * 60},${b}`).join("\n")}\n`;
    const { out, error } = await replayText(csv, 4096);
    expect(error).toBeNull();
    const printed = out.trim().split("\n").map((l) => /"balance":([^,]*),/.exec(l)![1]);
    expect(printed).toEqual(balances.map((b) => String(Number(b.trim()))));
  });

  it("skips blank lines and handles a last line without a newline", async () => {
    const { out, error } = await replayText(`timestamp,balance\n${T0},5\n\n${T0 + 60},4.9`);
    expect(error).toBeNull();
    expect(lines(out).map((r) => r["balance"])).toEqual([5, 4.9]);
  });

  it("stops at the first malformed row with its line number, after printing the rows before it", async () => {
    const { out, error } = await replayText(`timestamp,balance\n${T0},5\n${T0 + 60},4.9\n${T0 + 120},oops\n${T0 + 180},4.7\n`);
    expect(error).toBeInstanceOf(HistoryCsvError);
    expect((error as HistoryCsvError).line).toBe(4);
    expect(lines(out)).toHaveLength(2);
  });

  it("gives every row, across the estimator thread's batches, the estimate of an estimator fed them one by one", async () => {
    // 10,000 rows: three batches of 4,096 and more, all fields compared
    let csv = "timestamp,balance\n";
    const e = new RunwayEstimator();
    const expected: string[] = [];
    let b = 500;
    for (let i = 0; i < 10_000; i++) {
      const t = T0 + i * 60;
      b -= (Math.floor(t / 3600) % 24 >= 8 ? 0.02 : 0.005) * (1 + (i % 7) / 10);
      const text = b.toFixed(4);
      csv += `${t},${text}\n`;
      const r = e.observe(t, Number(text));
      expected.push(
        JSON.stringify([
          r.runwaySeconds === null ? null : Math.round(r.runwaySeconds),
          r.runwayLowerBoundSeconds === null ? null : Math.round(r.runwayLowerBoundSeconds),
          r.spendRatePerSecond === null ? null : Number(r.spendRatePerSecond.toPrecision(6)),
          r.trendPerDay === 0 ? 0 : Number(r.trendPerDay.toPrecision(4)),
        ]),
      );
    }
    const { out, error } = await replayText(csv, 65_536);
    expect(error).toBeNull();
    const got = lines(out).map((r) =>
      JSON.stringify([r["runway_seconds"], r["runway_lower_bound_seconds"], r["spend_rate_per_second"], r["trend_per_day"]]),
    );
    expect(got).toHaveLength(10_000);
    expect(got).toEqual(expected);
  });

  it("prints every row before a malformed one, however many batches they fill", async () => {
    let csv = "timestamp,balance\n";
    for (let i = 0; i < 9_000; i++) csv += `${T0 + i * 60},${(500 - i * 0.01).toFixed(2)}\n`;
    csv += `${T0 + 9_000 * 60},oops\n${T0 + 9_001 * 60},400\n`;
    const { out, error } = await replayText(csv, 65_536);
    expect(error).toBeInstanceOf(HistoryCsvError);
    expect((error as HistoryCsvError).line).toBe(9_002);
    expect(lines(out)).toHaveLength(9_000);
  });

  it("rejects an empty file and a bad header", async () => {
    expect((await replayText("")).error).toBeInstanceOf(HistoryCsvError);
    const { error } = await replayText(`time,balance\n${T0},5\n`);
    expect(String(error)).toMatch(/line 1: the header must name the columns "timestamp" and "balance"/);
  });
});

describe("the estimator thread", () => {
  it("answers batches in order, and names a row the estimator refuses after the estimates before it", async () => {
    const thread = new EstimatorThread();
    try {
      const first = thread.estimate(new Float64Array([T0, T0 + 60]), new Float64Array([10, 9.99]), 2);
      const second = thread.estimate(new Float64Array([T0 + 120, T0 + 180]), new Float64Array([9.98, Number.NaN]), 2);
      const a = await first;
      expect(a.rows).toBe(2);
      expect(a.error).toBeNull();
      expect(Number.isNaN(a.estimates[0]!)).toBe(true); // no spend seen yet: null
      expect(a.estimates[FIELDS]!).toBeCloseTo(9.99 * 6000, -2);
      const b = await second;
      expect(b.rows).toBe(1);
      expect(b.error).toMatch(/balance must be a finite number/);
    } finally {
      await thread.close();
    }
    await expect(thread.estimate(new Float64Array([T0]), new Float64Array([1]), 1)).rejects.toThrow(/closed/);
  });
});

describe("captcha-runway replay (CLI)", () => {
  const dir = mkdtempSync(join(tmpdir(), "replay-test-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cli = (args: string[], input?: string) =>
    spawnSync(process.execPath, ["cli/main.ts", "replay", ...args], { encoding: "utf8", input, timeout: 20_000 });

  it("replays a file and standard input", () => {
    const file = join(dir, "ok.csv");
    const csv = `timestamp,balance\n${T0},10\n${T0 + 60},9.99\n${T0 + 30},0\n`;
    writeFileSync(file, csv);
    const fromFile = cli([file]);
    expect(fromFile.status).toBe(0);
    expect(lines(fromFile.stdout)).toHaveLength(3);
    expect(lines(fromFile.stdout)[1]!["runway_seconds"]).toBe(59_940);
    // the out-of-order row does not update the estimate, and the user is told
    expect(lines(fromFile.stdout)[2]!["runway_seconds"]).toBe(59_940);
    expect(fromFile.stderr).toMatch(/1 row\(s\) had a timestamp not later than an earlier row/);
    const fromStdin = cli(["-"], csv);
    expect(fromStdin.status).toBe(0);
    expect(fromStdin.stdout).toBe(fromFile.stdout);
  });

  it("exits 2 with the line number on a malformed row, and on a missing file", () => {
    const file = join(dir, "bad.csv");
    writeFileSync(file, `timestamp,balance\n${T0},10\n${T0 + 60}\n`);
    const bad = cli([file]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/bad\.csv line 3: expected 2 columns as in the header, got 1/);
    expect(bad.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const missing = cli([join(dir, "nope.csv")]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*nope\.csv: no such file/);
  });
});
