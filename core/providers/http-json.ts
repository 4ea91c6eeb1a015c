/**
 * The generic `http-json` provider: any prepaid API whose balance is a number in a JSON answer (SMS
 * gateways, proxy networks, AI credits, CAPTCHA services we do not ship). The account's configuration
 * (http-json-config.ts) says how to ask — method, URL, headers, query and JSON body, with the key placed
 * by `{{key}}` — and how to read the answer: the balance, an optional currency and error message picked
 * by JMESPath expressions, a success condition, which HTTP statuses mean what, and the minimum interval
 * between calls the API tolerates.
 *
 * The guarantees are those of the built-in providers: one request per call through core/http.ts, never
 * a throw, every failure in the closed set of reasons, the key redacted from every message (the same
 * interpretOutcome()), wherever the template put it — URL path, query, header or body.
 *
 * JMESPath (jmesdocs: jmespath.org/specification.html) through the `jmespath` package, the reference
 * JavaScript implementation: a specified language with a compliance suite, no code evaluation (the
 * JSONPath libraries evaluate filter scripts, e.g. jsonpath-plus's CVE-2024-21534), no dependencies.
 */
import { search } from "jmespath";
import type { FailureReason } from "../reasons.ts";
import { callProvider } from "./call.ts";
import { type Answer, failure, notABalance, oneLine, toBalance, unexpectedBody } from "./parse.ts";
import type { BalanceRequest, BalanceResult, Provider } from "./types.ts";

export const HTTP_JSON = "http-json";

/** A validated http-json configuration (see http-json-config.ts for the YAML and its checks). */
export interface HttpJsonSpec {
  readonly method: "GET" | "POST";
  /** With `{{key}}` where the key goes in the path or query, if it does. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  /** A JSON value sent as the body (POST); `{{key}}` in its strings. */
  readonly body?: unknown;
  /** JMESPath to the balance: a number, or a string holding one. */
  readonly balance: string;
  /** JMESPath to the currency the API reports; it must be the account's configured currency. */
  readonly currencyPath?: string;
  /** JMESPath to an error message or code, read when the answer is not a success. */
  readonly errorPath?: string;
  /** JMESPath that must be truthy (JMESPath's sense: not false, null, "", [] or {}) for a success. */
  readonly success?: string;
  /** What a value found by `errorPath` means (exact match); others get `failureReason`. */
  readonly errorCodes: Readonly<Record<string, FailureReason>>;
  /** The reason of a failed success condition whose error is not in `errorCodes` (default upstream). */
  readonly failureReason: FailureReason;
  /** What HTTP statuses mean, over the defaults (401/403 auth, 402 no_funds, 429 rate_limited, 5xx upstream). */
  readonly statusReasons: Readonly<Record<number, FailureReason>>;
  /** The balance on the wire divided by this is in the account's currency (cents: 100). */
  readonly divisor: number;
  /** The shortest interval between calls the API tolerates (ms): stated by the user, never guessed. */
  readonly minIntervalMs: number;
  /** The account's currency: the unit of the balance. */
  readonly currency: string;
}

const TEMPLATE = /\{\{\s*key\s*\}\}/g;

function fill(template: string, key: string): string {
  return template.replace(TEMPLATE, () => key);
}

function fillJson(value: unknown, key: string): unknown {
  if (typeof value === "string") return fill(value, key);
  if (Array.isArray(value)) return value.map((v) => fillJson(v, key));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, fillJson(v, key)]));
  }
  return value;
}

/** The request for `apiKey`: `{{key}}` filled in, percent-encoded in the URL, JSON-escaped in the body. */
export function buildHttpJsonRequest(spec: HttpJsonSpec, apiKey: string) {
  const url = new URL(spec.url.replace(TEMPLATE, () => encodeURIComponent(apiKey)));
  for (const [k, v] of Object.entries(spec.query)) url.searchParams.set(k, fill(v, apiKey));
  const headers: Record<string, string> = { accept: "application/json" };
  for (const [k, v] of Object.entries(spec.headers)) headers[k.toLowerCase()] = fill(v, apiKey);
  const body = spec.body === undefined ? undefined : JSON.stringify(fillJson(spec.body, apiKey));
  if (body !== undefined && headers["content-type"] === undefined) headers["content-type"] = "application/json";
  return { method: spec.method, url, headers, ...(body !== undefined ? { body } : {}) };
}

function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `a list (${oneLine(JSON.stringify(v), 40)})`;
  if (typeof v === "object") return `an object (${oneLine(JSON.stringify(v), 40)})`;
  if (typeof v === "string") return `the string ${JSON.stringify(oneLine(v, 40))}`;
  return `${typeof v} ${String(v)}`;
}

/** JMESPath's truthiness: false, null, "", [] and {} are false. */
function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v as object).length > 0;
  return true;
}

/** Evaluates an expression that was compiled when the configuration was read; a runtime error is undefined. */
function pick(json: unknown, expr: string): { value: unknown } | { error: string } {
  try {
    return { value: search(json, expr) };
  } catch (err) {
    return { error: oneLine(String((err as Error)?.message ?? err), 80) };
  }
}

function errorText(spec: HttpJsonSpec, json: unknown): string | undefined {
  if (spec.errorPath === undefined || json === undefined) return undefined;
  const r = pick(json, spec.errorPath);
  if ("error" in r || r.value === null || r.value === undefined || r.value === "") return undefined;
  return typeof r.value === "string" ? r.value : JSON.stringify(r.value);
}

function statusReason(spec: HttpJsonSpec, status: number): FailureReason | undefined {
  const own = spec.statusReasons[status];
  if (own) return own;
  if (status === 401 || status === 403) return "auth";
  if (status === 402) return "no_funds";
  if (status >= 500) return "upstream";
  if (status >= 400) return "upstream";
  return undefined;
}

/** Interprets one answer that transportFailure() let through. Pure; exported for tests. */
export function parseHttpJson(spec: HttpJsonSpec, answer: Answer): BalanceResult {
  const { status, body } = answer;
  let json: unknown;
  let parsed = true;
  try {
    json = JSON.parse(body);
  } catch {
    parsed = false;
  }
  const err = parsed ? errorText(spec, json) : undefined;
  const detail = err ? `: ${oneLine(err, 160)}` : "";
  const code = err ? oneLine(err, 64) : undefined;
  const reasonOfStatus = statusReason(spec, status);
  if (reasonOfStatus) {
    const own = code !== undefined ? spec.errorCodes[code] : undefined;
    return failure(own ?? reasonOfStatus, `the API answered HTTP ${status}${detail}`, { code: code ?? `HTTP_${status}` });
  }
  if (!parsed) {
    const cutOff = answer.truncated === true || body.trim().startsWith("{") || body.trim().startsWith("[");
    return unexpectedBody({ ...answer, truncated: cutOff });
  }
  if (spec.success !== undefined) {
    const ok = pick(json, spec.success);
    if ("error" in ok) return failure("malformed", `the success condition ${JSON.stringify(spec.success)} failed on the answer: ${ok.error}`);
    if (!truthy(ok.value)) {
      const reason = (code !== undefined ? spec.errorCodes[code] : undefined) ?? spec.failureReason;
      return failure(reason, `the API's answer does not meet the success condition ${JSON.stringify(spec.success)}${detail}`, code ? { code } : {});
    }
  }
  const found = pick(json, spec.balance);
  if ("error" in found) return failure("malformed", `the balance expression ${JSON.stringify(spec.balance)} failed on the answer: ${found.error}`);
  if (found.value === null || found.value === undefined) {
    return failure("malformed", `the balance expression ${JSON.stringify(spec.balance)} found nothing in the answer${detail}`, code ? { code } : {});
  }
  const value = toBalance(found.value);
  if (value === undefined) {
    if (typeof found.value === "number" || typeof found.value === "string") return notABalance(found.value);
    return failure("malformed", `the balance expression ${JSON.stringify(spec.balance)} found ${describeValue(found.value)}, not a number`);
  }
  if (spec.currencyPath !== undefined) {
    const cur = pick(json, spec.currencyPath);
    const reported = "value" in cur && typeof cur.value === "string" ? cur.value.trim() : undefined;
    if (reported === undefined) {
      return failure("malformed", `the currency expression ${JSON.stringify(spec.currencyPath)} found no currency in the answer`);
    }
    if (reported.toLowerCase() !== spec.currency.toLowerCase()) {
      return failure(
        "malformed",
        `the API reports the balance in ${JSON.stringify(oneLine(reported, 12))}, but the account is configured for ${spec.currency}; set the account's currency`,
      );
    }
  }
  return { ok: true, balance: value / spec.divisor, currency: spec.currency };
}

export function httpJsonProvider(spec: HttpJsonSpec): Provider {
  return {
    name: HTTP_JSON,
    defaultBaseUrl: new URL(spec.url.replace(TEMPLATE, "key")).origin,
    defaultCurrency: spec.currency,
    minPollIntervalMs: spec.minIntervalMs,
    defaultPollIntervalMs: spec.minIntervalMs,
    banCooldownMs: 10 * 60_000,
    async getBalance(req: BalanceRequest): Promise<BalanceResult> {
      return callProvider(buildHttpJsonRequest(spec, req.apiKey), req, (answer) => parseHttpJson(spec, answer));
    },
  };
}
