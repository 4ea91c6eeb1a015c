/**
 * The `http_json` block of an http-json account in the configuration file, checked field by field:
 * every mistake is an InputError naming the field and what was expected (the CLI exits 2).
 *
 *     - name: textbelt
 *       provider: http-json
 *       api_key_env: TEXTBELT_KEY
 *       currency: credits                   # required: the unit of the balance
 *       http_json:
 *         url: https://textbelt.com/quota/{{key}}
 *         balance: quotaRemaining           # JMESPath
 *         success: success                  # JMESPath, must be truthy
 *         failure_reason: auth              # when it is not
 *         min_interval: 5m                  # required: the API's tolerance, stated by you
 */
import { search } from "jmespath";
import { parsePollInterval } from "../duration.ts";
import { InputError } from "../errors.ts";
import { FAILURE_REASONS, type FailureReason, isFailureReason } from "../reasons.ts";
import type { HttpJsonSpec } from "./http-json.ts";

export const HTTP_JSON_FIELDS = [
  "method",
  "url",
  "headers",
  "query",
  "body",
  "balance",
  "currency_path",
  "error_path",
  "success",
  "error_codes",
  "failure_reason",
  "status",
  "divisor",
  "min_interval",
] as const;

const KEY_TEMPLATE = /\{\{\s*key\s*\}\}/;
const ANY_TEMPLATE = /\{\{([^}]*)\}\}/g;

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  return typeof v === "object" ? "a mapping" : `${typeof v} ${JSON.stringify(v)}`;
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === "object" && !Array.isArray(v);
}

/** A string that may hold `{{key}}` and no other placeholder. */
function templateString(v: unknown, where: string): string {
  if (typeof v !== "string") throw new InputError(`${where}: expected a string, got ${typeName(v)}`);
  for (const m of v.matchAll(ANY_TEMPLATE)) {
    if (m[1]!.trim() !== "key") throw new InputError(`${where}: unknown placeholder {{${m[1]}}}; the only placeholder is {{key}}`);
  }
  return v;
}

function stringMap(v: unknown, where: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isMapping(v)) throw new InputError(`${where}: expected a mapping of names to strings, got ${typeName(v)}`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    const s = typeof x === "number" || typeof x === "boolean" ? String(x) : x;
    out[k] = templateString(s, `${where}.${k}`);
  }
  return out;
}

/** Checks every string of a JSON body for placeholders; `true` when {{key}} occurs. */
function checkBody(v: unknown, where: string): boolean {
  if (typeof v === "string") return KEY_TEMPLATE.test(templateString(v, where));
  if (Array.isArray(v)) return v.map((x, i) => checkBody(x, `${where}[${i}]`)).some(Boolean);
  if (isMapping(v)) return Object.entries(v).map(([k, x]) => checkBody(x, `${where}.${k}`)).some(Boolean);
  if (v === null || typeof v === "number" || typeof v === "boolean") return false;
  throw new InputError(`${where}: expected JSON (a mapping, list, string, number, boolean or null), got ${typeName(v)}`);
}

/** A JMESPath expression, compiled now so that a syntax error is a configuration error. */
function expression(v: unknown, where: string): string {
  if (typeof v !== "string" || v.trim() === "") {
    throw new InputError(`${where}: expected a JMESPath expression such as data.balance, got ${typeName(v)}`);
  }
  try {
    search({}, v);
  } catch (err) {
    const msg = String((err as Error)?.message ?? err).split("\n")[0];
    throw new InputError(`${where}: ${JSON.stringify(v)} is not a valid JMESPath expression (${msg})`);
  }
  return v;
}

function reason(v: unknown, where: string): FailureReason {
  if (typeof v !== "string" || !isFailureReason(v)) {
    throw new InputError(`${where}: expected one of ${FAILURE_REASONS.join(", ")}, got ${typeName(v)}`);
  }
  return v;
}

/** Parses `<where>.http_json`; `currency` is the account's (required for http-json accounts). */
export function parseHttpJsonSpec(raw: unknown, where: string, currency: string | undefined): HttpJsonSpec {
  const at = `${where}.http_json`;
  if (!isMapping(raw)) throw new InputError(`${at}: expected a mapping (method, url, headers, query, body, balance, …), got ${typeName(raw)}`);
  for (const k of Object.keys(raw)) {
    if (!(HTTP_JSON_FIELDS as readonly string[]).includes(k)) throw new InputError(`${at}: unknown field "${k}"; expected ${HTTP_JSON_FIELDS.join(", ")}`);
  }
  if (currency === undefined) {
    throw new InputError(`${where}.currency: required for an http-json account: the unit of the balance, e.g. USD, EUR or credits`);
  }
  const method = raw.method === undefined ? "GET" : String(raw.method).toUpperCase();
  if (method !== "GET" && method !== "POST") throw new InputError(`${at}.method: expected GET or POST, got ${typeName(raw.method)}`);

  const urlText = endpointUrl(raw.url, `${at}.url`);
  const headers = headerMap(raw.headers, `${at}.headers`);
  const query = stringMap(raw.query, `${at}.query`);
  let bodyHasKey = false;
  if (raw.body !== undefined) {
    if (method !== "POST") throw new InputError(`${at}.body: a body is sent with POST only; set method: POST or remove the body`);
    bodyHasKey = checkBody(raw.body, `${at}.body`);
  }
  const placed =
    KEY_TEMPLATE.test(urlText) || Object.values(headers).some((v) => KEY_TEMPLATE.test(v)) || Object.values(query).some((v) => KEY_TEMPLATE.test(v)) || bodyHasKey;
  if (!placed) throw new InputError(`${at}: the key is not sent; put {{key}} in url, headers, query or body (e.g. headers: {Authorization: "Bearer {{key}}"})`);

  if (raw.balance === undefined) throw new InputError(`${at}.balance: missing; expected a JMESPath expression to the balance, e.g. data.balance`);
  const balance = expression(raw.balance, `${at}.balance`);
  const currencyPath = raw.currency_path === undefined ? undefined : expression(raw.currency_path, `${at}.currency_path`);
  const errorPath = raw.error_path === undefined ? undefined : expression(raw.error_path, `${at}.error_path`);
  const success = raw.success === undefined ? undefined : expression(raw.success, `${at}.success`);

  const errorCodes = errorCodeTable(raw.error_codes, errorPath, `${at}.error_codes`);
  const failureReason = raw.failure_reason === undefined ? "upstream" : reason(raw.failure_reason, `${at}.failure_reason`);
  if (raw.failure_reason !== undefined && success === undefined) {
    throw new InputError(`${at}.failure_reason: applies when the success condition fails; set success as well`);
  }

  return {
    method,
    url: urlText,
    headers,
    query,
    ...(raw.body !== undefined ? { body: raw.body } : {}),
    balance,
    ...(currencyPath !== undefined ? { currencyPath } : {}),
    ...(errorPath !== undefined ? { errorPath } : {}),
    ...(success !== undefined ? { success } : {}),
    errorCodes,
    failureReason,
    statusReasons: statusTable(raw.status, `${at}.status`),
    divisor: divisorOf(raw.divisor, `${at}.divisor`),
    minIntervalMs: minInterval(raw.min_interval, `${at}.min_interval`),
    currency,
  };
}

/** The `url` field: an http(s) URL without credentials, with `{{key}}` (if any) in the path or the query. */
function endpointUrl(v: unknown, where: string): string {
  if (v === undefined) throw new InputError(`${where}: missing; expected the URL of the API's balance endpoint`);
  const urlText = templateString(v, where);
  const SENTINEL = "keyplaceholder0";
  let url: URL;
  try {
    url = new URL(urlText.replace(/\{\{\s*key\s*\}\}/g, SENTINEL));
  } catch {
    throw new InputError(`${where}: "${urlText}" is not a URL; expected e.g. https://api.example.com/v1/balance`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new InputError(`${where}: must be an http:// or https:// URL`);
  if (url.username || url.password) throw new InputError(`${where}: must not carry credentials; put the key in a header, the query or the body with {{key}}`);
  if (url.host.toLowerCase().includes(SENTINEL)) {
    throw new InputError(`${where}: {{key}} may be in the path or the query, not in the host`);
  }
  return urlText;
}

/** The `headers` field: a mapping of valid header names to strings. */
function headerMap(v: unknown, where: string): Record<string, string> {
  const headers = stringMap(v, where);
  for (const name of Object.keys(headers)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new InputError(`${where}: "${name}" is not a valid header name`);
  }
  return headers;
}

/** The `error_codes` field: error message or code → reason; it needs `error_path` to find the code. */
function errorCodeTable(v: unknown, errorPath: string | undefined, where: string): Record<string, FailureReason> {
  const errorCodes: Record<string, FailureReason> = {};
  if (v === undefined) return errorCodes;
  if (!isMapping(v)) throw new InputError(`${where}: expected a mapping of error message or code to reason, got ${typeName(v)}`);
  if (errorPath === undefined) throw new InputError(`${where}: needs error_path (where the error code is in the answer)`);
  for (const [code, r] of Object.entries(v)) errorCodes[code] = reason(r, `${where}.${code}`);
  return errorCodes;
}

/** The `status` field: HTTP status (200 to 599) → reason. */
function statusTable(v: unknown, where: string): Record<number, FailureReason> {
  const statusReasons: Record<number, FailureReason> = {};
  if (v === undefined) return statusReasons;
  if (!isMapping(v)) throw new InputError(`${where}: expected a mapping of HTTP status to reason, e.g. {404: auth}, got ${typeName(v)}`);
  for (const [s, r] of Object.entries(v)) {
    const n = Number(s);
    if (!/^\d{3}$/.test(s) || n < 200 || n > 599) throw new InputError(`${where}: "${s}" is not an HTTP status from 200 to 599`);
    statusReasons[n] = reason(r, `${where}.${s}`);
  }
  return statusReasons;
}

/** The `divisor` field: a number greater than 0 the balance is divided by (1 when absent). */
function divisorOf(v: unknown, where: string): number {
  if (v === undefined) return 1;
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
    throw new InputError(`${where}: expected a number greater than 0 (e.g. 100 for a balance in cents), got ${typeName(v)}`);
  }
  return v;
}

/** The required `min_interval` field, in ms: from 1 s to the longest poll interval (it is also the API's default interval). */
function minInterval(v: unknown, where: string): number {
  if (v === undefined) {
    throw new InputError(`${where}: missing; state the shortest interval between balance calls the API tolerates, e.g. 1m (see its documentation)`);
  }
  if (typeof v !== "string" && typeof v !== "number") {
    throw new InputError(`${where}: expected a duration such as 1m, got ${typeName(v)}`);
  }
  const ms = parsePollInterval(v, where);
  if (ms < 1000) throw new InputError(`${where}: ${v} is under 1s; no balance API needs asking more often`);
  return ms;
}
