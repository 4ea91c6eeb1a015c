/**
 * Faults the simulator can be told to produce: their validation (for the control API), the queue of
 * faults in force and which of them a request meets, and the answer a fault gives in place of the
 * normal one. The protocol handlers know nothing of faults; the server applies them to balance calls.
 */
import { InputError } from "../core/errors.ts";
import { DEFINITIONS } from "../core/providers/catalog.ts";
import {
  emptyBody,
  errorAnswer,
  type Flavour,
  garbage,
  htmlErrorPage,
  legacySuccess,
  type Protocol,
  PROTOCOLS,
  type SimResponse,
  successAnswer,
  tooManyRequests,
  truncate,
} from "./protocol.ts";

export type Fault =
  /** A provider error code in the protocol's shape (legacy `{"status":0,"request":CODE}` / plain CODE;
   *  client-key `{"errorId":N,"errorCode":CODE}` with the flavour's HTTP status unless `status` is given). */
  | {
      readonly kind: "error";
      readonly code: string;
      readonly status?: number;
      readonly errorId?: number;
      /** client-key `errorDescription` (legacy: `error_text`, JSON only); default the code's usual text. */
      readonly description?: string;
    }
  /** Delay the answer by `ms`; combines with the next matching non-latency fault (or the normal answer). */
  | { readonly kind: "latency"; readonly ms: number }
  /** An HTML error page from a proxy (default 502). */
  | { readonly kind: "html"; readonly status?: number }
  /** The normal answer with its body cut in the middle; `midStream`: the full length is declared and the
   *  connection is closed after part of the body (the client sees a premature end). */
  | { readonly kind: "truncated"; readonly midStream?: boolean }
  /** A 200 answer that is neither JSON, a number, nor an error code. */
  | { readonly kind: "garbage" }
  /** A 200 answer with an empty body. */
  | { readonly kind: "empty" }
  /** A success answer whose balance is not a number: legacy `"abc"` by default, client-key `"NaN"`;
   *  `value: null` gives `"balance": null` (legacy: the string "null"). */
  | { readonly kind: "non-numeric"; readonly value?: string | null }
  /** HTTP 429 with `Retry-After` (seconds, default 30); `retryAfter`: the header's exact text instead
   *  (an HTTP date, a year in seconds, nonsense: what a hostile provider sends). */
  | { readonly kind: "rate-limit"; readonly retryAfterSeconds?: number; readonly retryAfter?: string }
  /** The socket is destroyed without any response. */
  | { readonly kind: "drop" }
  /** No response at all until the client gives up (or the simulator closes). */
  | { readonly kind: "hang" }
  /** A hostile answer: exactly this body (repeated `repeat` times), with this status (default 200)
   *  and content type (default text/plain). */
  | { readonly kind: "body"; readonly body: string; readonly status?: number; readonly contentType?: string; readonly repeat?: number };

export type FaultKind = Fault["kind"];

export const FAULT_KINDS: readonly FaultKind[] = [
  "error",
  "latency",
  "html",
  "truncated",
  "garbage",
  "empty",
  "non-numeric",
  "rate-limit",
  "drop",
  "hang",
  "body",
];

/**
 * Placeholders a hostile fault's code, description or body may contain, replaced by the key of the
 * request being answered (the fault itself never holds a key): a provider that echoes the key.
 */
export const KEY_PLACEHOLDERS: Readonly<Record<string, (key: string) => string>> = {
  "{key}": (k) => k,
  "{KEY}": (k) => k.toUpperCase(),
  "{key:url}": (k) => [...Buffer.from(k, "utf8")].map((b) => `%${b.toString(16).padStart(2, "0")}`).join(""),
  "{KEY:url}": (k) => [...Buffer.from(k, "utf8")].map((b) => `%${b.toString(16).padStart(2, "0").toUpperCase()}`).join(""),
  "{key:json}": (k) => [...k].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join(""),
  "{key:base64}": (k) => Buffer.from(k, "utf8").toString("base64"),
};

/** `text` with every key placeholder replaced by that form of `key`. */
export function withKey(text: string, key: string): string {
  return text.replace(/\{(?:key|KEY)(?::(?:url|json|base64))?\}/g, (p) => KEY_PLACEHOLDERS[p]?.(key) ?? p);
}

/** Longest code, description or body a fault may carry (the hostile ones are long on purpose). */
export const MAX_FAULT_TEXT = 1 << 20;

/** Every provider error code the definitions document, and the shared ones below, for convenience (any string is accepted). */
export const KNOWN_ERROR_CODES: readonly string[] = [
  ...new Set([

  // legacy res.php
  "ERROR_WRONG_USER_KEY",
  "ERROR_KEY_DOES_NOT_EXIST",
  "ERROR_ZERO_BALANCE",
  "IP_BANNED",
  "ERROR_SERVER_ERROR",
  "ERROR_INTERNAL_SERVER_ERROR",
  "ERROR_NO_SLOT_AVAILABLE",
  "ERROR_TOO_MUCH_REQUESTS",
  "ERROR_IP_NOT_ALLOWED",
  "MAX_USER_TURN",
  "ERROR: 1004",
  "ERROR: 1005",
  // client-key
  "ERROR_KEY_DENIED_ACCESS",
  "ERROR_IP_BLOCKED",
  "ERROR_IP_BANNED",
  "ERROR_RATE_LIMIT",
  "ERROR_SERVICE_UNAVALIABLE",
  "ERROR_KEY_TEMP_BLOCKED",
    ...DEFINITIONS.flatMap((d) => Object.keys(d.errorCodes)),
  ]),
];

export interface FaultScope {
  /** Only requests carrying this key (default: every request, whatever its key). */
  readonly key?: string;
  /** Only this protocol (default: every protocol). */
  readonly protocol?: Protocol;
  /** Apply to the next `times` matching requests, then disappear (default: until cleared). */
  readonly times?: number;
}

/** A fault as the server holds it. */
export interface ActiveFault {
  readonly id: number;
  readonly fault: Fault;
  readonly key?: string;
  readonly protocol?: Protocol;
  /** Remaining applications; Infinity until cleared. */
  remaining: number;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Validates a fault given as JSON (control API). A bare string is accepted for kinds without
 * parameters ("drop", "hang", "garbage", …) and as an error code ("ERROR_ZERO_BALANCE", "IP_BANNED").
 * Returns the fault or a message naming what was wrong.
 */
export function parseFault(v: unknown): Fault | string {
  if (typeof v === "string") return parseFaultName(v);
  if (!isObj(v)) return "fault must be an object with a 'kind' (or a string)";
  const kind = v["kind"];
  const parse = typeof kind === "string" && Object.hasOwn(PARSERS, kind) ? PARSERS[kind as FaultKind] : undefined;
  return parse ? parse(v) : `fault 'kind' must be one of ${FAULT_KINDS.join(", ")}`;
}

function parseFaultName(v: string): Fault | string {
  if ((FAULT_KINDS as readonly string[]).includes(v) && v !== "error" && v !== "latency") return parseFault({ kind: v });
  if (/^[A-Z0-9_:. ]{3,80}$/.test(v)) return { kind: "error", code: v };
  return `unknown fault "${v.slice(0, 40)}"; expected one of ${FAULT_KINDS.join(", ")} or a provider error code`;
}

type Json = Record<string, unknown>;

/** One parser per kind: the fault, or what is wrong with its fields. */
const PARSERS: Readonly<Record<FaultKind, (v: Json) => Fault | string>> = {
  error: parseError,
  latency: (v) => {
    const ms = v["ms"];
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0 || ms > 600_000)
      return "fault 'ms' must be a number of milliseconds from 0 to 600000";
    return { kind: "latency", ms };
  },
  html: (v) => optInt(v, "status", 400, 599) ?? { kind: "html", status: v["status"] as number | undefined },
  truncated: (v) => ({ kind: "truncated", midStream: v["midStream"] === true }),
  garbage: () => ({ kind: "garbage" }),
  empty: () => ({ kind: "empty" }),
  "non-numeric": (v) => {
    const value = v["value"];
    if (value !== undefined && value !== null && typeof value !== "string") return "fault 'value' must be a string or null";
    return { kind: "non-numeric", value: value as string | null | undefined };
  },
  "rate-limit": parseRateLimit,
  drop: () => ({ kind: "drop" }),
  hang: () => ({ kind: "hang" }),
  body: parseBody,
};

/** Null when field `name` is absent or an integer in [min, max]; else the message. */
function optInt(v: Json, name: string, min: number, max: number): string | null {
  const x = v[name];
  if (x === undefined) return null;
  return typeof x === "number" && Number.isInteger(x) && x >= min && x <= max ? null : `fault '${name}' must be an integer from ${min} to ${max}`;
}

function parseError(v: Json): Fault | string {
  const code = v["code"];
  if (typeof code !== "string" || code.length === 0 || code.length > MAX_FAULT_TEXT)
    return "fault 'code' must be a provider error code such as ERROR_ZERO_BALANCE";
  const description = v["description"];
  if (description !== undefined && (typeof description !== "string" || description.length > MAX_FAULT_TEXT))
    return `fault 'description' must be a string of at most ${MAX_FAULT_TEXT} characters`;
  const bad = optInt(v, "status", 100, 599) ?? optInt(v, "errorId", 0, 1_000_000);
  if (bad) return bad;
  return {
    kind: "error",
    code,
    status: v["status"] as number | undefined,
    errorId: v["errorId"] as number | undefined,
    ...(description !== undefined ? { description } : {}),
  };
}

function parseRateLimit(v: Json): Fault | string {
  const bad = optInt(v, "retryAfterSeconds", 0, 86_400);
  if (bad) return bad;
  const raw = v["retryAfter"];
  if (raw !== undefined && !(typeof raw === "string" && /^[\x20-\x7e]{1,1000}$/.test(raw)))
    return "fault 'retryAfter' must be the header's text: 1 to 1,000 printable ASCII characters";
  return {
    kind: "rate-limit",
    retryAfterSeconds: v["retryAfterSeconds"] as number | undefined,
    ...(raw !== undefined ? { retryAfter: raw as string } : {}),
  };
}

function parseBody(v: Json): Fault | string {
  const body = v["body"];
  if (typeof body !== "string" || body.length > MAX_FAULT_TEXT) return `fault 'body' must be a string of at most ${MAX_FAULT_TEXT} characters`;
  const contentType = v["contentType"];
  if (contentType !== undefined && (typeof contentType !== "string" || !/^[\w.+-]+\/[\w.+-]+(;[ \w=.+-]*)?$/.test(contentType)))
    return "fault 'contentType' must be a media type such as application/json";
  const bad = optInt(v, "status", 100, 599) ?? optInt(v, "repeat", 1, MAX_FAULT_TEXT);
  if (bad) return bad;
  if (body.length * ((v["repeat"] as number | undefined) ?? 1) > 8 * MAX_FAULT_TEXT)
    return `fault 'body' repeated must stay under ${8 * MAX_FAULT_TEXT} characters`;
  return {
    kind: "body",
    body,
    status: v["status"] as number | undefined,
    contentType: contentType as string | undefined,
    repeat: v["repeat"] as number | undefined,
  };
}

export function parseScope(v: Record<string, unknown>): FaultScope | string {
  const times = v["times"];
  if (times !== undefined && !(typeof times === "number" && Number.isInteger(times) && times >= 1))
    return "'times' must be an integer >= 1 (omit it for a fault that stays until cleared)";
  const protocol = v["protocol"];
  if (protocol !== undefined && !(PROTOCOLS as readonly unknown[]).includes(protocol))
    return `'protocol' must be one of ${PROTOCOLS.join(", ")}`;
  return { times: times as number | undefined, protocol: protocol as Protocol | undefined };
}

/** A description of a fault without its key (for the control API's state). */
export function describeFault(f: ActiveFault, accountIdOf: (key: string) => string): Record<string, unknown> {
  return {
    id: f.id,
    fault: f.fault,
    account: f.key === undefined ? "*" : accountIdOf(f.key),
    protocol: f.protocol ?? "*",
    remaining: Number.isFinite(f.remaining) ? f.remaining : "until cleared",
  };
}

/** What a request meets: the latency of every matching latency fault, and the first other matching fault. */
export interface FaultsMet {
  readonly delayMs: number;
  readonly fault: Fault | null;
}

/** The faults in force, in the order they were added. */
export class FaultQueue {
  #faults: ActiveFault[] = [];
  #nextId = 1;

  /** Adds a fault (checked as the control API checks it); returns its id. */
  add(fault: Fault, scope: FaultScope = {}): number {
    const checked = parseFault(fault);
    if (typeof checked === "string") throw new InputError(`simulator: ${checked}`);
    const times = scope.times ?? Number.POSITIVE_INFINITY;
    if (!(times >= 1)) throw new InputError("simulator: 'times' must be >= 1");
    const id = this.#nextId++;
    this.#faults.push({ id, fault: checked, key: scope.key, protocol: scope.protocol, remaining: times });
    return id;
  }

  /** Removes every fault; returns how many there were. */
  clear(): number {
    const n = this.#faults.length;
    this.#faults = [];
    return n;
  }

  /** The faults a request with `key` on `protocol` meets, each used up once; spent faults disappear. */
  take(key: string, protocol: Protocol): FaultsMet {
    let delayMs = 0;
    let fault: Fault | null = null;
    for (const f of this.#faults) {
      if (f.remaining <= 0) continue;
      if (f.key !== undefined && f.key !== key) continue;
      if (f.protocol !== undefined && f.protocol !== protocol) continue;
      if (f.fault.kind === "latency") {
        delayMs += f.fault.ms;
        f.remaining--;
      } else if (fault === null) {
        fault = f.fault;
        f.remaining--;
      }
    }
    this.#faults = this.#faults.filter((f) => f.remaining > 0);
    return { delayMs, fault };
  }

  /** The faults for the control API's state, accounts named by id, never by key. */
  describe(accountIdOf: (key: string) => string): Record<string, unknown>[] {
    return this.#faults.map((f) => describeFault(f, accountIdOf));
  }
}

/** How a request is answered: a response, a response cut mid-stream, a dropped socket, or no answer at all. */
export type Outcome = SimResponse | "drop" | "hang" | { readonly midStream: SimResponse };

/** Who a faulty answer is for: the flavour it imitates, and the account's figures when the key has one. */
export interface FaultTarget {
  readonly protocol: Protocol;
  readonly flavour: Flavour;
  readonly key: string;
  /** Legacy only: the json=1 shape. */
  readonly json: boolean;
  readonly account?: { readonly decimals: number; readonly captchaCredits: number };
}

/** The answer `fault` gives instead of the normal one (`normal`, for the faults that distort it). */
export function faultAnswer(fault: Fault, to: FaultTarget, normal: () => SimResponse): Outcome {
  const { protocol, flavour, key, json, account } = to;
  switch (fault.kind) {
    case "error": {
      const code = withKey(fault.code, key);
      const description = fault.description === undefined ? undefined : withKey(fault.description, key);
      return errorAnswer(protocol, flavour, code, { status: fault.status, errorId: fault.errorId, json, description });
    }
    case "body": {
      const body = withKey(fault.body, key).repeat(fault.repeat ?? 1);
      return { status: fault.status ?? 200, headers: { "content-type": fault.contentType ?? "text/plain; charset=utf-8" }, body };
    }
    case "html":
      return htmlErrorPage(fault.status ?? 502);
    case "truncated":
      return fault.midStream ? { midStream: normal() } : truncate(normal());
    case "garbage":
      return garbage();
    case "empty":
      return emptyBody();
    case "non-numeric":
      if (protocol === "legacy") return legacySuccess(fault.value === undefined ? "abc" : String(fault.value), json);
      return successAnswer(protocol, flavour, fault.value === undefined ? "NaN" : fault.value, account?.decimals ?? 4, {
        captchaCredits: account?.captchaCredits,
      });
    case "rate-limit":
      return tooManyRequests(fault.retryAfter ?? fault.retryAfterSeconds ?? 30);
    case "drop":
    case "hang":
      return fault.kind;
    case "latency":
      return normal();
  }
}
