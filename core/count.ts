/** Counts (solves in a batch, retries) and other plain numbers of flags: one validator wherever they are written. */
import { InputError } from "./errors.ts";

/** Retries of a transient failure, for the CLI and the action alike. */
export const MAX_RETRIES = 10;

/**
 * A whole number from `min` to `max`, from text (`1000`, `1_000`, `-3`) or a number (YAML). `where`
 * names the setting, `expected` says what it takes ("expected a port number from 0 to 65535").
 */
export function parseWholeNumber(raw: string | number, where: string, min: number, max: number, expected: string): number {
  const text = typeof raw === "number" ? String(raw) : raw.trim().replace(/_/g, "");
  if (!/^-?\d+$/.test(text)) throw new InputError(`${where}: "${raw}" is not a whole number; ${expected}`);
  const n = Number(text);
  if (n < 0 && min >= 0) throw new InputError(`${where}: ${raw} is negative; ${expected}`);
  if (!Number.isSafeInteger(n)) throw new InputError(`${where}: ${raw} is too large; ${expected}`);
  if (n < min) throw new InputError(`${where}: ${raw} is less than ${min}; ${expected}`);
  if (n > max) throw new InputError(`${where}: ${raw} is more than ${max}; ${expected}`);
  return n;
}

/**
 * A whole number from 0 to `max`: from text (`1000`, `1_000`) or a number (yargs, YAML). `where` names
 * the setting, `unit` what is counted ("solves", "retries").
 */
export function parseCount(raw: string | number, where: string, max: number, unit: string): number {
  const expected = max < Number.MAX_SAFE_INTEGER ? `expected a whole number of ${unit} from 0 to ${max}` : `expected a whole number of ${unit}, 0 or more`;
  return parseWholeNumber(raw, where, 0, max, expected);
}

/** Retries of transient failures (never of a rejected key): 0 to MAX_RETRIES. */
export function parseRetries(raw: string | number, where: string): number {
  return parseCount(raw, where, MAX_RETRIES, "retries");
}

/** A TCP port to listen on, 0 (any free one) to 65535. */
export function parsePort(raw: string | number, where: string): number {
  return parseWholeNumber(raw, where, 0, 65535, "expected a port number from 0 to 65535 (0: any free port)");
}

/**
 * A number from 0 to `max` that need not be whole (a rate, seconds): plain decimal notation, `2`,
 * `0.5`. `expected` says what it takes.
 */
export function parseNonNegativeNumber(raw: string | number, where: string, max: number, expected: string): number {
  const text = typeof raw === "number" ? String(raw) : raw.trim();
  if (/^-\s*(\d|\.\d)/.test(text)) throw new InputError(`${where}: ${raw} is negative; ${expected}`);
  if (!/^(\d+(\.\d+)?|\.\d+)$/.test(text)) throw new InputError(`${where}: "${raw}" is not a number; ${expected}`);
  const n = Number(text);
  if (n > max) throw new InputError(`${where}: ${raw} is more than ${max}; ${expected}`);
  return n;
}
