/** Counts (solves in a batch, retries): one validator wherever they are written. */
import { InputError } from "./errors.ts";

/** Retries of a transient failure, for the CLI and the action alike. */
export const MAX_RETRIES = 10;

/**
 * A whole number from 0 to `max`: from text (`1000`, `1_000`) or a number (yargs, YAML). `where` names
 * the setting, `unit` what is counted ("solves", "retries").
 */
export function parseCount(raw: string | number, where: string, max: number, unit: string): number {
  const text = typeof raw === "number" ? String(raw) : raw.trim().replace(/_/g, "");
  const expected = max < Number.MAX_SAFE_INTEGER ? `expected a whole number of ${unit} from 0 to ${max}` : `expected a whole number of ${unit}, 0 or more`;
  if (!/^-?\d+$/.test(text)) throw new InputError(`${where}: "${raw}" is not a whole number; ${expected}`);
  const n = Number(text);
  if (n < 0) throw new InputError(`${where}: ${raw} is negative; ${expected}`);
  if (!Number.isSafeInteger(n)) throw new InputError(`${where}: ${raw} is too large; ${expected}`);
  if (n > max) throw new InputError(`${where}: ${raw} is more than ${max}; ${expected}`);
  return n;
}

/** Retries of transient failures (never of a rejected key): 0 to MAX_RETRIES. */
export function parseRetries(raw: string | number, where: string): number {
  return parseCount(raw, where, MAX_RETRIES, "retries");
}
