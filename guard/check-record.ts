/**
 * The last balance check, remembered across restarts (`<queueFile>.check`), so a job that crashes
 * and starts again — in a loop, even — keeps the provider's minimum interval, its back-off and its
 * ban cool-down, and uses the balance it read for the rest of `checkEvery` instead of asking again.
 * Written before each call (and after it) through a temporary file and a rename, so a kill leaves
 * either the old record or the new one; like the exporter's attempt journal it is not fsynced: only
 * a power loss can lose it, and a host takes longer to come back than any provider's interval.
 * One small JSON object; anything unreadable is ignored (the guard then simply checks).
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";

export interface CheckRecord {
  readonly v: 1;
  /** When the last balance call started (ms since the epoch). */
  readonly startedAt: number;
  /** The earliest the next one may start. */
  readonly nextCheckAt: number;
  /** The last balance read and when, or null when the last check failed. */
  readonly balance: number | null;
  readonly readAt: number | null;
  /** When the provider last said the balance is zero (solver or check), unless a later read showed money. */
  readonly exhaustedAt: number | null;
  readonly consecutiveFailures: number;
}

export function loadCheckRecord(file: string): CheckRecord | null {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return null;
  }
  const r = v as Partial<Record<keyof CheckRecord, unknown>> | null;
  const num = (x: unknown) => typeof x === "number" && Number.isFinite(x);
  const numOrNull = (x: unknown) => x === null || num(x);
  if (r?.v !== 1 || !num(r.startedAt) || !num(r.nextCheckAt) || !numOrNull(r.balance) || !numOrNull(r.readAt) || !numOrNull(r.exhaustedAt)) {
    return null;
  }
  return { ...(r as CheckRecord), consecutiveFailures: num(r.consecutiveFailures) ? Math.max(0, Math.floor(r.consecutiveFailures as number)) : 0 };
}

/** Replaces the record (temporary file + rename). Throws on an I/O error. */
export function saveCheckRecord(file: string, record: CheckRecord): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}
