/**
 * Response shapes of the two provider protocol families, per provider flavour. Pure: each function
 * returns the status, headers and body a real service would send. The simulator server and the
 * recorded fixtures in test/fixtures/responses/ are both produced from here.
 */
import { PROVIDER_NAMES, type ProviderName } from "../providers/types.ts";

/** Which provider the simulator imitates where the providers differ. */
export type Flavour = ProviderName;
export const FLAVOURS = PROVIDER_NAMES;

export function isFlavour(v: unknown): v is Flavour {
  return typeof v === "string" && (FLAVOURS as readonly string[]).includes(v);
}

export type Protocol = "legacy" | "client-key";
export const PROTOCOLS: readonly Protocol[] = ["legacy", "client-key"];

export interface SimResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const JSON_TYPE = { "content-type": "application/json" };
const TEXT_TYPE = { "content-type": "text/plain; charset=utf-8" };
const HTML_TYPE = { "content-type": "text/html; charset=utf-8" };

/** Currency an account of each flavour reports in by default. */
export const DEFAULT_CURRENCY: Readonly<Record<Flavour, string>> = {
  captchaai: "USD",
  "2captcha": "USD",
  rucaptcha: "RUB",
  "anti-captcha": "USD",
  capsolver: "USD",
  capmonster: "USD",
};

/** How long an IP ban lasts with each flavour (ms): CaptchaAI documents 5 minutes, CapMonster 10. */
export const BAN_COOLDOWN_MS: Readonly<Record<Flavour, number>> = {
  captchaai: 5 * 60_000,
  "2captcha": 5 * 60_000,
  rucaptcha: 5 * 60_000,
  "anti-captcha": 5 * 60_000,
  capsolver: 5 * 60_000,
  capmonster: 10 * 60_000,
};

/** Formats a balance the way the legacy API does: a decimal string with the account's decimals. */
export function formatLegacyBalance(balance: number, decimals: number): string {
  return balance.toFixed(decimals);
}

// ---------------------------------------------------------------------------------------------
// Legacy res.php protocol (CaptchaAI, 2Captcha, RuCaptcha)
// ---------------------------------------------------------------------------------------------

/** The legacy key check: keys are 32 characters. */
export const LEGACY_KEY_LENGTH = 32;

export function legacySuccess(request: string, json: boolean): SimResponse {
  return json
    ? { status: 200, headers: JSON_TYPE, body: JSON.stringify({ status: 1, request }) }
    : { status: 200, headers: TEXT_TYPE, body: request };
}

/** Legacy errors come with HTTP 200, as the real services send them. */
export function legacyError(code: string, json: boolean, status = 200): SimResponse {
  return json
    ? { status, headers: JSON_TYPE, body: JSON.stringify({ status: 0, request: code }) }
    : { status, headers: TEXT_TYPE, body: code };
}

// ---------------------------------------------------------------------------------------------
// client-key JSON protocol (Anti-Captcha, CapSolver, CapMonster, 2Captcha API v2)
// ---------------------------------------------------------------------------------------------

/** errorId numbering of 2Captcha API v2 / Anti-Captcha; other flavours (and unlisted codes) use 1. */
const ERROR_IDS: Readonly<Record<string, number>> = {
  ERROR_KEY_DOES_NOT_EXIST: 1,
  ERROR_NO_SLOT_AVAILABLE: 2,
  ERROR_ZERO_BALANCE: 10,
  ERROR_IP_NOT_ALLOWED: 11,
  ERROR_IP_BLOCKED: 21,
};

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

function clientKeyErrorId(flavour: Flavour, code: string): number {
  if (flavour === "2captcha" || flavour === "anti-captcha") return ERROR_IDS[code] ?? 1;
  return 1;
}

/** CapSolver answers errors with HTTP 400, or 401 for a rejected key; the others with 200. */
function clientKeyErrorStatus(flavour: Flavour, code: string): number {
  if (flavour !== "capsolver") return 200;
  return /KEY_(DENIED|DOES_NOT_EXIST)|WRONG_USER_KEY/.test(code) ? 401 : 400;
}

export interface ClientKeyErrorOptions {
  readonly status?: number;
  readonly errorId?: number;
  readonly description?: string;
}

export function clientKeyError(flavour: Flavour, code: string, opts: ClientKeyErrorOptions = {}): SimResponse {
  const body = {
    errorId: opts.errorId ?? clientKeyErrorId(flavour, code),
    errorCode: code,
    errorDescription: opts.description ?? DESCRIPTIONS[code] ?? "Error",
  };
  return { status: opts.status ?? clientKeyErrorStatus(flavour, code), headers: JSON_TYPE, body: JSON.stringify(body) };
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
  const value = typeof balance === "number" ? Number(balance.toFixed(decimals)) : balance;
  const body: Record<string, unknown> = { errorId: 0, balance: value };
  if (flavour === "anti-captcha") body["captchaCredits"] = extras.captchaCredits ?? 0;
  if (flavour === "capsolver") body["packages"] = [];
  return { status: 200, headers: JSON_TYPE, body: JSON.stringify(body) };
}

/** The code each flavour answers a rejected key with on the client-key protocol. */
export function clientKeyBadKeyCode(flavour: Flavour): string {
  return flavour === "capsolver" ? "ERROR_KEY_DENIED_ACCESS" : "ERROR_KEY_DOES_NOT_EXIST";
}

/** The code each flavour answers during an IP ban. */
export function banCode(flavour: Flavour, protocol: Protocol): string {
  if (protocol === "legacy") return "IP_BANNED";
  return flavour === "capsolver" || flavour === "capmonster" ? "ERROR_IP_BANNED" : "ERROR_IP_BLOCKED";
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
