/** Serialised estimator state: plain JSON, versioned, restorable after a restart. */
import { HOUR } from "./profile.ts";

export const STATE_KIND = "captcha-runway/runway-estimator";
export const STATE_VERSION = 1;

export interface RingState {
  /** Absolute index (floor(t / width)) of the newest bin; null before the first sample. */
  head: number | null;
  spend: number[];
  cover: number[];
}

export interface RunwayState {
  kind: typeof STATE_KIND;
  version: typeof STATE_VERSION;
  last: { timestamp: number; balance: number } | null;
  spentTotal: number;
  depositedTotal: number;
  observedSeconds: number;
  hourly: RingState;
  fine: RingState;
  surge: { since: number; baseLevel: number } | null;
}

/** Thrown when a saved state cannot be restored; the message says what was wrong. */
export class RunwayStateError extends Error {
  override name = "RunwayStateError";
}

function fail(what: string): never {
  throw new RunwayStateError(`runway state is not usable: ${what}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function finite(v: unknown, name: string, min = Number.NEGATIVE_INFINITY): number {
  if (typeof v !== "number" || !Number.isFinite(v)) fail(`${name} must be a finite number`);
  if (v < min) fail(`${name} must be at least ${min}`);
  return v;
}

function ring(v: unknown, name: string, bins: number): RingState {
  if (!isRecord(v)) fail(`${name} must be an object`);
  const head = v["head"] === null ? null : finite(v["head"], `${name}.head`);
  if (head !== null && !Number.isInteger(head)) fail(`${name}.head must be an integer`);
  const arrays: number[][] = [];
  for (const key of ["spend", "cover"]) {
    const a = v[key];
    if (!Array.isArray(a) || a.length !== bins) fail(`${name}.${key} must be an array of ${bins} numbers`);
    for (let i = 0; i < a.length; i++) finite(a[i], `${name}.${key}[${i}]`, 0);
    arrays.push(a as number[]);
  }
  return { head, spend: arrays[0]!, cover: arrays[1]! };
}

/** Validates an untrusted (e.g. parsed from a file) state object. */
export function parseRunwayState(s: unknown, hourlyBins: number, fineBins: number): RunwayState {
  if (!isRecord(s)) fail("expected a JSON object");
  if (s["kind"] !== STATE_KIND) fail(`expected kind "${STATE_KIND}"`);
  if (s["version"] !== STATE_VERSION) {
    fail(`unsupported version ${JSON.stringify(s["version"])} (this build reads version ${STATE_VERSION})`);
  }
  let last: RunwayState["last"] = null;
  if (s["last"] !== null) {
    const l = s["last"];
    if (!isRecord(l)) fail("last must be an object or null");
    last = { timestamp: finite(l["timestamp"], "last.timestamp"), balance: finite(l["balance"], "last.balance") };
  }
  let surge: RunwayState["surge"] = null;
  if (s["surge"] !== null) {
    const g = s["surge"];
    if (!isRecord(g)) fail("surge must be an object or null");
    surge = { since: finite(g["since"], "surge.since"), baseLevel: finite(g["baseLevel"], "surge.baseLevel", 0) };
  }
  const hourly = ring(s["hourly"], "hourly", hourlyBins);
  const fine = ring(s["fine"], "fine", fineBins);
  if ((last === null) !== (hourly.head === null) || (last === null) !== (fine.head === null)) {
    fail("last sample and bin heads disagree");
  }
  if (last !== null && hourly.head !== Math.floor(last.timestamp / HOUR)) {
    fail("hourly.head does not match last.timestamp");
  }
  return {
    kind: STATE_KIND,
    version: STATE_VERSION,
    last,
    spentTotal: finite(s["spentTotal"], "spentTotal", 0),
    depositedTotal: finite(s["depositedTotal"], "depositedTotal", 0),
    observedSeconds: finite(s["observedSeconds"], "observedSeconds", 0),
    hourly,
    fine,
    surge,
  };
}
