/**
 * Parsing of balance-history CSV files (`timestamp,balance`, other columns ignored, any column
 * order). Pure functions over single lines so callers can stream files of any size.
 */

/** A bad line: `line` is 1-based, counting the header as line 1. */
export class HistoryCsvError extends Error {
  override name = "HistoryCsvError";
  readonly line: number;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.line = line;
  }
}

export interface HistoryColumns {
  timestamp: number;
  balance: number;
  /** Number of columns in the header; rows may not have fewer than needed. */
  width: number;
}

/** Splits one CSV line; quoted fields ("a,b", "say ""hi""") are supported, multi-line ones are not. */
export function splitCsvLine(line: string, lineNo: number): string[] {
  if (line.indexOf('"') === -1) return line.split(",");
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = "";
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q === -1) throw new HistoryCsvError(lineNo, "unterminated quoted field (fields may not span lines)");
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      if (i < line.length && line[i] !== ",") {
        throw new HistoryCsvError(lineNo, "unexpected text after a closing quote");
      }
      out.push(value);
      i++;
    } else {
      const c = line.indexOf(",", i);
      const end = c === -1 ? line.length : c;
      out.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return out;
}

/** Finds the `timestamp` and `balance` columns (names compared case-insensitively, trimmed). */
export function parseHeader(line: string): HistoryColumns {
  const names = splitCsvLine(line.replace(/^\uFEFF/, ""), 1).map((n) => n.trim().toLowerCase());
  const timestamp = names.indexOf("timestamp");
  const balance = names.indexOf("balance");
  const missing = [timestamp < 0 ? "timestamp" : "", balance < 0 ? "balance" : ""].filter(Boolean);
  if (missing.length > 0) {
    const shown = line.length > 80 ? `${line.slice(0, 80)}…` : line;
    throw new HistoryCsvError(
      1,
      `the header must name the columns "timestamp" and "balance" (missing ${missing.join(" and ")}); got "${shown}"`,
    );
  }
  if (names.indexOf("timestamp", timestamp + 1) >= 0 || names.indexOf("balance", balance + 1) >= 0) {
    throw new HistoryCsvError(1, 'the header names "timestamp" or "balance" more than once');
  }
  return { timestamp, balance, width: names.length };
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;
/** Unix seconds beyond this (year 5138) are almost certainly milliseconds. */
const MAX_UNIX_SECONDS = 1e11;

function show(v: string): string {
  return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
}

/**
 * Parses a timestamp: unix seconds (integer or decimal) or ISO 8601 (`2026-01-01T12:00:00Z`,
 * `2026-01-01 12:00:00+02:00`, `2026-01-01`). An ISO time without an offset is taken as UTC.
 */
export function parseTimestamp(raw: string, lineNo: number): number {
  const v = raw.trim();
  if (NUMBER.test(v)) {
    const n = Number(v);
    if (Math.abs(n) >= MAX_UNIX_SECONDS) {
      throw new HistoryCsvError(lineNo, `timestamp ${show(v)} looks like milliseconds; expected unix seconds`);
    }
    return n;
  }
  const m = ISO.exec(v);
  if (m) {
    const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", zone] = m;
    const month = Number(mo);
    const day = Number(d);
    const hour = Number(h);
    const minute = Number(mi);
    const second = Number(s);
    let ms = Date.UTC(Number(y), month - 1, day, hour, minute, second);
    const check = new Date(ms);
    const valid =
      month >= 1 && month <= 12 && check.getUTCDate() === day && hour < 24 && minute < 60 && second < 60;
    if (valid) {
      if (frac) ms += Number(frac) * 1000;
      if (zone && zone !== "Z" && zone !== "z") {
        const sign = zone[0] === "-" ? -1 : 1;
        const digits = zone.slice(1).replace(":", "");
        const offH = Number(digits.slice(0, 2));
        const offM = digits.length > 2 ? Number(digits.slice(2)) : 0;
        ms -= sign * (offH * 60 + offM) * 60_000;
      }
      return ms / 1000;
    }
  }
  throw new HistoryCsvError(
    lineNo,
    `timestamp ${show(v)} is neither unix seconds nor an ISO 8601 date-time (e.g. 2026-01-01T12:00:00Z)`,
  );
}

export function parseBalance(raw: string, lineNo: number): number {
  const v = raw.trim();
  if (!NUMBER.test(v)) throw new HistoryCsvError(lineNo, `balance ${show(v)} is not a number`);
  return Number(v);
}

/** 10^0 .. 10^22: the powers of ten a double holds exactly. */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
/** Digits a plain decimal may have for simpleDecimal: under 10^15, within a double's exact integers. */
const SIMPLE_DIGITS = 15;

/**
 * The value of `line[from..to)` when it is a plain decimal ([+-]digits[.digits], at most
 * SIMPLE_DIGITS digits), else NaN. Such a number is an integer below 2^53 divided by an exact power
 * of ten, so one correctly rounded division gives exactly what Number() gives (Clinger's fast
 * path); the common case of a history file, read without slicing the line or testing a pattern.
 */
function simpleDecimal(line: string, from: number, to: number): number {
  let i = from;
  let negative = false;
  const first = line.charCodeAt(i);
  if (first === 45 /* - */ || first === 43 /* + */) {
    negative = first === 45;
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let decimals = -1;
  for (; i < to; i++) {
    const c = line.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      if (decimals >= 0) decimals++;
    } else if (c === 46 /* . */ && decimals < 0 && digits > 0) {
      decimals = 0;
    } else return Number.NaN;
  }
  if (digits === 0 || digits > SIMPLE_DIGITS || decimals === 0) return Number.NaN;
  const value = decimals > 0 ? mantissa / POW10[decimals]! : mantissa;
  return negative ? -value : value;
}

/**
 * Whether the plain decimal `line[from..to)` (one simpleDecimal has read) is written exactly as
 * JavaScript prints its value (String(Number(text)) === text): no sign but a minus on a value that
 * is not zero, no leading zero but a lone one before the point, no trailing zero after it, and not
 * below 10^-6 (printed with an exponent). Its digits, at most 15, are then the shortest that read
 * back as that double, so they are the ones printed.
 */
function printedAsWritten(line: string, from: number, to: number): boolean {
  let i = from;
  const first = line.charCodeAt(i);
  if (first === 43 /* + */) return false;
  const negative = first === 45; /* - */
  if (negative) i++;
  const dot = line.indexOf(".", i);
  const intEnd = dot === -1 || dot >= to ? to : dot;
  if (line.charCodeAt(i) === 48 /* 0 */ && intEnd - i > 1) return false; // 007
  if (intEnd === to) return !(negative && intEnd - i === 1 && line.charCodeAt(i) === 48); // -0
  if (line.charCodeAt(to - 1) === 48) return false; // 1.50, 0.0
  if (intEnd - i === 1 && line.charCodeAt(i) === 48) {
    // 0.000001 is printed so, 0.0000001 as 1e-7
    let zeros = 0;
    while (line.charCodeAt(intEnd + 1 + zeros) === 48) zeros++;
    return zeros <= 5;
  }
  return true;
}

/** A data row: its timestamp and balance (unix seconds; the account's currency). */
export interface HistoryRow {
  timestamp: number;
  balance: number;
  /**
   * The balance's text when String(balance) prints exactly it (see printedAsWritten), else null:
   * `replay` echoes it instead of printing the number again. Set only when `out` has the field.
   */
  balanceText?: string | null;
}

/** Parses one data row into `out` (reused to avoid allocations). */
export function parseRow(line: string, lineNo: number, cols: HistoryColumns, out: HistoryRow): void {
  // a line without quotes whose two values are plain decimals (nearly every row): read in place,
  // with the same result as below; anything else takes the general path, and its messages
  if (line.indexOf('"') === -1) {
    const need = Math.max(cols.timestamp, cols.balance);
    let start = 0;
    let timestamp = Number.NaN;
    let balance = Number.NaN;
    let balanceFrom = 0;
    let balanceTo = 0;
    for (let i = 0; i <= need; i++) {
      const comma = line.indexOf(",", start);
      const end = comma === -1 ? line.length : comma;
      if (i === cols.timestamp) timestamp = simpleDecimal(line, start, end);
      if (i === cols.balance) {
        balance = simpleDecimal(line, start, end);
        balanceFrom = start;
        balanceTo = end;
      }
      if (comma === -1) break;
      start = comma + 1;
    }
    if (Math.abs(timestamp) < MAX_UNIX_SECONDS && !Number.isNaN(balance)) {
      out.timestamp = timestamp;
      out.balance = balance;
      if (out.balanceText !== undefined) {
        out.balanceText = printedAsWritten(line, balanceFrom, balanceTo) ? line.slice(balanceFrom, balanceTo) : null;
      }
      return;
    }
  }
  if (out.balanceText !== undefined) out.balanceText = null;
  parseFields(splitCsvLine(line, lineNo), lineNo, cols, out);
}

function parseFields(fields: string[], lineNo: number, cols: HistoryColumns, out: HistoryRow): void {
  const need = Math.max(cols.timestamp, cols.balance) + 1;
  if (fields.length < need) {
    throw new HistoryCsvError(
      lineNo,
      `expected ${cols.width} columns as in the header, got ${fields.length} (no ${
        fields.length <= cols.timestamp ? "timestamp" : "balance"
      } value)`,
    );
  }
  out.timestamp = parseTimestamp(fields[cols.timestamp]!, lineNo);
  out.balance = parseBalance(fields[cols.balance]!, lineNo);
}
