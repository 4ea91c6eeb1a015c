/**
 * Response shapes of every provider protocol, per provider flavour, derived from the provider
 * definitions (core/providers/services/*.ts: currency, ban cool-down, error ids and statuses, extra
 * success fields). Pure: each function returns the status, headers and body a real service would send.
 * The simulator server and the recorded fixtures in test/fixtures/responses/ are both produced from here.
 */
import { DEFINITIONS, getDefinition, isProviderName } from "../core/providers/catalog.ts";
import { PROTOCOL_NAMES, type ProtocolName } from "../core/providers/define.ts";
import { NOPECHA_ERROR_IDS } from "../core/providers/nopecha-status.ts";
import type { ProviderName } from "../core/providers/types.ts";

/** Which provider the simulator imitates where the providers differ. */
export type Flavour = ProviderName;
export const FLAVOURS: readonly Flavour[] = DEFINITIONS.map((d) => d.name);

export function isFlavour(v: unknown): v is Flavour {
  return typeof v === "string" && isProviderName(v);
}

export type Protocol = ProtocolName;
export const PROTOCOLS: readonly Protocol[] = PROTOCOL_NAMES;

export interface SimResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const JSON_TYPE = { "content-type": "application/json" };
const TEXT_TYPE = { "content-type": "text/plain; charset=utf-8" };
const HTML_TYPE = { "content-type": "text/html; charset=utf-8" };

/** Currency an account of a flavour reports in by default. */
export function defaultCurrency(flavour: Flavour): string {
  return getDefinition(flavour).defaultCurrency;
}

/** How long an IP ban lasts with a flavour (ms): the provider's documented cool-down. */
export function banCooldownMs(flavour: Flavour): number {
  return getDefinition(flavour).banCooldownMs;
}

/** Digits after the decimal point a flavour's balances have unless an account says otherwise. */
export function defaultDecimals(flavour: Flavour): number {
  return getDefinition(flavour).simulator.decimals ?? 4;
}

/** The balance as the wire carries it (DeathByCaptcha: cents, EzCaptcha: points), rounded to `decimals`. */
function wireBalance(flavour: Flavour, balance: number, decimals: number): number {
  const divisor = getDefinition(flavour).balanceDivisor ?? 1;
  return Number((balance * divisor).toFixed(decimals));
}

/** Formats a balance the way the legacy API does: a decimal string with the account's decimals. */
export function formatLegacyBalance(balance: number, decimals: number): string {
  return balance.toFixed(decimals);
}

// The codes a protocol's own providers use, for a flavour asked on a protocol it does not speak.
const FAMILY_BAD_KEY: Readonly<Record<Protocol, string>> = {
  legacy: "ERROR_KEY_DOES_NOT_EXIST",
  "client-key": "ERROR_KEY_DOES_NOT_EXIST",
  nopecha: "InvalidKey",
  deathbycaptcha: "ACCESS_DENIED",
};
const FAMILY_BAN: Readonly<Record<Protocol, string>> = {
  legacy: "IP_BANNED",
  "client-key": "ERROR_IP_BLOCKED",
  nopecha: "BannedIp",
  deathbycaptcha: "ACCOUNT_BANNED",
};

/** The code a flavour answers a key it does not know with, on a protocol. */
export function badKeyCode(flavour: Flavour, protocol: Protocol): string {
  const def = getDefinition(flavour);
  return def.protocol === protocol ? def.simulator.badKeyCode : FAMILY_BAD_KEY[protocol];
}

/** The code a flavour answers during an IP ban, on a protocol. */
export function banCode(flavour: Flavour, protocol: Protocol): string {
  const def = getDefinition(flavour);
  return def.protocol === protocol ? def.simulator.banCode : FAMILY_BAN[protocol];
}

/** The code each flavour answers a rejected key with on the client-key protocol. */
export function clientKeyBadKeyCode(flavour: Flavour): string {
  return badKeyCode(flavour, "client-key");
}

// ---------------------------------------------------------------------------------------------
// Legacy res.php protocol (CaptchaAI, 2Captcha, RuCaptcha, AZcaptcha)
// ---------------------------------------------------------------------------------------------

/** The legacy key check: keys are 32 characters. */
export const LEGACY_KEY_LENGTH = 32;

export function legacySuccess(request: string, json: boolean): SimResponse {
  return json
    ? { status: 200, headers: JSON_TYPE, body: JSON.stringify({ status: 1, request }) }
    : { status: 200, headers: TEXT_TYPE, body: request };
}

/** Legacy errors come with HTTP 200, as the real services send them. */
export function legacyError(code: string, json: boolean, status = 200, errorText?: string): SimResponse {
  return json
    ? { status, headers: JSON_TYPE, body: JSON.stringify({ status: 0, request: code, ...(errorText !== undefined ? { error_text: errorText } : {}) }) }
    : { status, headers: TEXT_TYPE, body: code };
}

// ---------------------------------------------------------------------------------------------
// client-key JSON protocol (Anti-Captcha, CapSolver, CapMonster, EzCaptcha, 2Captcha/RuCaptcha API v2)
// ---------------------------------------------------------------------------------------------

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  ERROR_KEY_DOES_NOT_EXIST: "Account authorization key not found in the system",
  ERROR_KEY_DENIED_ACCESS: "The client key is invalid or has no access",
  ERROR_WRONG_USER_KEY: "The account key has the wrong format",
  ERROR_ZERO_BALANCE: "The account has zero or negative balance",
  ERROR_NO_SLOT_AVAILABLE: "No idle workers are available at the moment",
  ERROR_IP_NOT_ALLOWED: "Requests from this IP address are not allowed for this key",
  ERROR_IP_BLOCKED: "This IP address is blocked because of improper use of the API",
  ERROR_IP_BANNED: "This IP address is banned for a while",
  ERROR_KEY_TEMP_BLOCKED: "The key is temporarily blocked",
  ERROR_RATE_LIMIT: "Too many requests; slow down",
  ERROR_TOO_MUCH_REQUESTS: "Too many requests; slow down",
  ERROR_SERVICE_UNAVALIABLE: "The service is temporarily unavailable",
  ERROR_SERVER_ERROR: "Internal server error",
  ERROR_INTERNAL_SERVER_ERROR: "Internal server error",
};

/** A flavour's numeric id for a code (its definition's `errorIds`), 1 when it lists none. */
function errorIdOf(flavour: Flavour, code: string): number {
  return getDefinition(flavour).simulator.errorIds?.[code] ?? 1;
}

/** The HTTP status a flavour sends an error with (CapSolver: 400, 401 for a rejected key; most: 200). */
function errorStatusOf(flavour: Flavour, code: string): number {
  return getDefinition(flavour).simulator.errorStatus?.(code) ?? 200;
}

export interface ClientKeyErrorOptions {
  readonly status?: number;
  readonly errorId?: number;
  readonly description?: string;
}

export function clientKeyError(flavour: Flavour, code: string, opts: ClientKeyErrorOptions = {}): SimResponse {
  const def = getDefinition(flavour);
  const own = def.protocol === "client-key";
  const body = {
    errorId: opts.errorId ?? (own ? errorIdOf(flavour, code) : 1),
    errorCode: code,
    errorDescription: opts.description ?? DESCRIPTIONS[code] ?? "Error",
  };
  return { status: opts.status ?? (own ? errorStatusOf(flavour, code) : 200), headers: JSON_TYPE, body: JSON.stringify(body) };
}

export interface ClientKeyBalanceExtras {
  /** Anti-Captcha reports prepaid credits next to the balance. */
  readonly captchaCredits?: number;
}

/** `balance` is a JSON number rounded to the account's decimals; flavour-specific fields are added. */
export function clientKeySuccess(
  flavour: Flavour,
  balance: number | string | null,
  decimals: number,
  extras: ClientKeyBalanceExtras = {},
): SimResponse {
  const value = typeof balance === "number" ? wireBalance(flavour, balance, decimals) : balance;
  const body: Record<string, unknown> = { errorId: 0, balance: value };
  const def = getDefinition(flavour);
  if (def.protocol === "client-key") {
    for (const [k, v] of Object.entries(def.simulator.successExtras ?? {})) body[k] = v;
    if ("captchaCredits" in body) body["captchaCredits"] = extras.captchaCredits ?? 0;
  }
  return { status: 200, headers: JSON_TYPE, body: JSON.stringify(body) };
}

// ---------------------------------------------------------------------------------------------
// NopeCHA status (`GET /status/?key=…`): credits, numeric error codes
// ---------------------------------------------------------------------------------------------

const NOPECHA_MESSAGES: Readonly<Record<string, string>> = {
  InvalidKey: "Invalid key",
  NoCredit: "Out of credit",
  Ratelimited: "Rate limited",
  BannedIp: "Banned IP",
  InvalidRequest: "Invalid request",
  Unknown: "Unknown error",
};

/** `code` is the SDK's name (`InvalidKey`) or a number as a string (`15`). */
export function nopechaError(flavour: Flavour, code: string, opts: { status?: number } = {}): SimResponse {
  const id = NOPECHA_ERROR_IDS[code] ?? (/^\d+$/.test(code) ? Number(code) : NOPECHA_ERROR_IDS.Unknown!);
  const name = Object.entries(NOPECHA_ERROR_IDS).find(([, v]) => v === id)?.[0] ?? "Unknown";
  const status = opts.status ?? (getDefinition(flavour).protocol === "nopecha" ? errorStatusOf(flavour, name) : 400);
  return { status, headers: JSON_TYPE, body: JSON.stringify({ error: id, message: NOPECHA_MESSAGES[name] ?? name }) };
}

export function nopechaSuccess(credit: number | string | null): SimResponse {
  const value = typeof credit === "number" ? Math.floor(credit) : credit;
  const body = {
    plan: "Pay as you go",
    status: "Active",
    credit: value,
    quota: typeof value === "number" ? value : 0,
    duration: 0,
    lastreset: 0,
    ttl: 0,
    subscribed: false,
    current_period_start: 0,
    current_period_end: 0,
  };
  return { status: 200, headers: JSON_TYPE, body: JSON.stringify(body) };
}

// ---------------------------------------------------------------------------------------------
// DeathByCaptcha account details (`POST /user`, form `authtoken=…`): balance in US cents
// ---------------------------------------------------------------------------------------------

/** The simulator's fixed account id for DeathByCaptcha answers. */
export const DBC_USER_ID = 1234;

/** `ACCESS_DENIED`: `{"user":0}` (a failed login); `ACCOUNT_BANNED`: `is_banned`; other codes `{"error":CODE}`. */
export function dbcError(code: string, opts: { status?: number } = {}): SimResponse {
  if (code === "ACCESS_DENIED") return { status: opts.status ?? 200, headers: JSON_TYPE, body: JSON.stringify({ user: 0 }) };
  if (code === "ACCOUNT_BANNED") {
    const body = { user: DBC_USER_ID, rate: 0.139, balance: 0, is_banned: true, status: 0 };
    return { status: opts.status ?? 200, headers: JSON_TYPE, body: JSON.stringify(body) };
  }
  return { status: opts.status ?? 400, headers: JSON_TYPE, body: JSON.stringify({ error: code, status: 255 }) };
}

export function dbcSuccess(flavour: Flavour, balance: number | string | null, decimals: number): SimResponse {
  const value = typeof balance === "number" ? wireBalance(flavour, balance, decimals) : balance;
  const body = { user: DBC_USER_ID, rate: 0.139, balance: value, is_banned: false, status: 0 };
  return { status: 200, headers: JSON_TYPE, body: JSON.stringify(body) };
}

// ---------------------------------------------------------------------------------------------
// Any protocol
// ---------------------------------------------------------------------------------------------

export interface ErrorAnswerOptions {
  readonly status?: number;
  readonly errorId?: number;
  /** Legacy only: the json=1 shape (default true). */
  readonly json?: boolean;
  /** The error's text where the protocol has one (client-key errorDescription, legacy JSON error_text). */
  readonly description?: string;
}

/** A JSON answer (the solve calls, the spend history, the control API). */
export function jsonResponse(value: unknown, status = 200): SimResponse {
  return { status, headers: JSON_TYPE, body: JSON.stringify(value) };
}

/** What a path no protocol has gets. */
export function notFound(): SimResponse {
  return { status: 404, headers: TEXT_TYPE, body: "Not Found" };
}

/** A provider error code in `protocol`'s shape, as `flavour` sends it. */
export function errorAnswer(protocol: Protocol, flavour: Flavour, code: string, opts: ErrorAnswerOptions = {}): SimResponse {
  switch (protocol) {
    case "legacy":
      return legacyError(code, opts.json ?? true, opts.status ?? 200, opts.description);
    case "client-key":
      return clientKeyError(flavour, code, { status: opts.status, errorId: opts.errorId, description: opts.description });
    case "nopecha":
      return nopechaError(flavour, code, { status: opts.status });
    case "deathbycaptcha":
      return dbcError(code, { status: opts.status });
  }
}

/** A success answer in `protocol`'s shape; a string or null balance is sent as given (faults). */
export function successAnswer(
  protocol: Protocol,
  flavour: Flavour,
  balance: number | string | null,
  decimals: number,
  opts: { json?: boolean; captchaCredits?: number } = {},
): SimResponse {
  switch (protocol) {
    case "legacy": {
      const text = typeof balance === "number" ? formatLegacyBalance(wireBalance(flavour, balance, decimals), decimals) : String(balance);
      return legacySuccess(text, opts.json ?? true);
    }
    case "client-key":
      return clientKeySuccess(flavour, balance, decimals, { captchaCredits: opts.captchaCredits });
    case "nopecha":
      return nopechaSuccess(typeof balance === "number" ? wireBalance(flavour, balance, decimals) : balance);
    case "deathbycaptcha":
      return dbcSuccess(flavour, balance, decimals);
  }
}

// ---------------------------------------------------------------------------------------------
// Broken answers (faults)
// ---------------------------------------------------------------------------------------------

/** An HTML error page such as a load balancer sends (nginx-style). */
export function htmlErrorPage(status: number): SimResponse {
  const title = status === 502 ? "502 Bad Gateway" : status === 503 ? "503 Service Temporarily Unavailable" : `${status} Internal Server Error`;
  const body =
    "<html>\r\n<head><title>" +
    title +
    "</title></head>\r\n<body>\r\n<center><h1>" +
    title +
    "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
  return { status, headers: HTML_TYPE, body };
}

/** HTTP 429 with a Retry-After header (seconds, or the header's exact text). */
export function tooManyRequests(retryAfter: number | string): SimResponse {
  const page = htmlErrorPage(429);
  const body = page.body.replaceAll("429 Internal Server Error", "429 Too Many Requests");
  return { status: 429, headers: { ...HTML_TYPE, "retry-after": String(retryAfter) }, body };
}

/** A well-formed response whose body was cut in the middle (invalid JSON or an incomplete number). */
export function truncate(res: SimResponse): SimResponse {
  const cut = Math.max(1, Math.floor(res.body.length * 0.6));
  return { ...res, body: res.body.slice(0, cut) };
}

/** A 200 answer that is neither JSON nor a number nor an error code. */
export function garbage(): SimResponse {
  return { status: 200, headers: TEXT_TYPE, body: "~~ #!garbage <<>> not-a-balance ]]{{ %%" };
}

/** A 200 answer with an empty body. */
export function emptyBody(): SimResponse {
  return { status: 200, headers: TEXT_TYPE, body: "" };
}
