import { MAX_CHECK_TIMEOUT_MS } from "./delays.ts";
import { MAX_POLL_INTERVAL_MS } from "./delays.ts";
import { InputError } from "./errors.ts";

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses a duration such as `90s`, `5m`, `1h30m`, `250ms`, or a bare number of seconds, into ms.
 * `what` names the setting in the error message.
 */
export function parseDuration(raw: string | number, what: string): number {
  if (typeof raw === "number") {
    if (!Number.isFinite(raw) || raw < 0) throw new InputError(`${what}: ${raw} is not a duration; expected e.g. 30s, 5m or 1h`);
    return Math.round(raw * 1000);
  }
  const s = raw.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * UNITS[m[2]!]!;
    matched = re.lastIndex;
  }
  if (s === "" || matched !== s.length) {
    throw new InputError(`${what}: "${raw}" is not a duration; expected e.g. 30s, 5m, 1h30m or a number of seconds`);
  }
  return Math.round(total);
}

/** A duration in the syntax parseDuration reads, largest units first: `1d`, `1h30m`, `250ms`. */
export function formatDurationMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  let rest = Math.max(0, Math.round(ms));
  if (rest === 0) return "0s";
  let out = "";
  for (const [unit, size] of Object.entries(UNITS).sort((a, b) => b[1] - a[1])) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}

/**
 * parseDuration, refusing more than `maxMs` with a message naming the setting and the limit
 * (`why`, when given, says where the limit comes from).
 */
export function parseDurationAtMost(raw: string | number, what: string, maxMs: number, why?: string): number {
  const ms = parseDuration(raw, what);
  if (!(ms <= maxMs)) {
    throw new InputError(`${what}: ${String(raw).trim()} is longer than the maximum of ${formatDurationMs(maxMs)}${why ? ` (${why})` : ""}`);
  }
  return ms;
}

/** The shortest time allowed for reading a balance. */
export const MIN_CHECK_TIMEOUT_MS = 1000;

/**
 * The one validator of the time allowed for reading a balance, retries and back-off included (the
 * CLI's --timeout, the action's timeout): from 1s to MAX_CHECK_TIMEOUT_MS.
 */
export function parseCheckTimeout(raw: string, where: string): number {
  const ms = parseDurationAtMost(raw, where, MAX_CHECK_TIMEOUT_MS);
  if (ms < MIN_CHECK_TIMEOUT_MS) {
    throw new InputError(`${where}: ${raw.trim()} is too short; expected from ${formatDurationMs(MIN_CHECK_TIMEOUT_MS)} to ${formatDurationMs(MAX_CHECK_TIMEOUT_MS)}`);
  }
  return ms;
}

/**
 * A poll interval, wherever it is set (`--poll.interval`, `poll_interval` in the accounts file, an
 * http-json provider's `min_interval`): at most MAX_POLL_INTERVAL_MS. The provider's minimum is
 * checked where the provider is known (exporter/accounts.ts).
 */
export function parsePollInterval(raw: string | number, where: string): number {
  return parseDurationAtMost(raw, where, MAX_POLL_INTERVAL_MS, "a balance older than that would make the runway and its alerts meaningless");
}
