/**
 * Recognising "no money" in whatever a solver throws or returns, for every provider's shape, with
 * core's one error-code table (reasonForCode → `no_funds`) and its numbered errors (errorId 10):
 *
 * - 2Captcha / RuCaptcha / CaptchaAI res.php: the text `ERROR_ZERO_BALANCE`, or `{"status":0,"request":"ERROR_ZERO_BALANCE"}`;
 * - client-key APIs (Anti-Captcha, CapSolver, CapMonster, 2Captcha v2): `{"errorId":N,"errorCode":"ERROR_ZERO_BALANCE"}`,
 *   or just `errorId: 10` where the provider numbers its errors (2Captcha v2, Anti-Captcha; the ids of its definition);
 * - a provider's own codes from its definition (core/providers/services/), e.g. NopeCHA's `NoCredit` / `{"error":16}`;
 * - what client libraries make of those: an Error whose message, `code`, `errorCode` or `errorId` says it, a rejected
 *   string, an HTTP client error carrying the answer (`response.data`, `response.body`, `body`, `data`), a `cause`,
 *   an AggregateError's `errors`.
 *
 * A thrown value is searched (messages for the code as a word, nested causes up to a few levels); a returned value
 * is matched only by its own shape, so a page that merely mentions the code is not mistaken for a refusal.
 */
import { getDefinition, isProviderName } from "../core/providers/catalog.ts";
import { normaliseCode, reasonForCode } from "../core/providers/error-codes.ts";
import type { ProviderName } from "../core/providers/types.ts";
import { ZeroBalanceError } from "./errors.ts";

const MAX_DEPTH = 4;
/** Words inside a message that could be provider codes (ERROR_ZERO_BALANCE, error_zero_balance, NoCredit). */
const CODE_WORD = /\b[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*\b/g;

function isNoFundsCode(value: unknown, provider: ProviderName): string | undefined {
  if (typeof value !== "string" || value.length > 100 || value.trim() === "") return undefined;
  return reasonForCode(value, getDefinition(provider).errorCodes) === "no_funds" ? normaliseCode(value) : undefined;
}

/**
 * The provider's error numbering (its definition's ids); for a legacy service without one, the ids of
 * the same service's API v2 (`2captcha` → `2captcha-v2`): a job may check the balance on res.php and
 * solve on createTask.
 */
function numbering(provider: ProviderName): Readonly<Record<string, number>> {
  const own = getDefinition(provider).simulator.errorIds;
  if (own) return own;
  const v2 = `${provider}-v2`;
  return isProviderName(v2) ? (getDefinition(v2).simulator.errorIds ?? {}) : {};
}

/** A numeric error (`errorId`, NopeCHA's `error`) that stands for a no-funds code in the provider's numbering. */
function fromErrorId(value: unknown, provider: ProviderName): string | undefined {
  const id = typeof value === "number" ? value : typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : undefined;
  if (id === undefined || id === 0) return undefined;
  const ids = numbering(provider);
  for (const [code, n] of Object.entries(ids)) if (n === id && isNoFundsCode(code, provider)) return normaliseCode(code);
  return undefined;
}

/** A provider answer's own shape: legacy `{status:0, request}`, client-key `{errorId, errorCode}`. */
function fromAnswerShape(obj: Record<string, unknown>, provider: ProviderName): string | undefined {
  if ((obj.status === 0 || obj.status === "0") && typeof obj.request === "string") {
    const code = isNoFundsCode(obj.request, provider);
    if (code) return code;
  }
  if ("errorId" in obj || "errorCode" in obj) {
    const code = isNoFundsCode(obj.errorCode, provider);
    if (code) return code;
    if (typeof obj.errorCode !== "string" || obj.errorCode.trim() === "") return fromErrorId(obj.errorId, provider);
  }
  // NopeCHA: {"error": 16, "message": "…"}
  if (typeof obj.error === "number") return fromErrorId(obj.error, provider);
  return undefined;
}

function fromText(text: string, provider: ProviderName): string | undefined {
  const exact = isNoFundsCode(text.trim(), provider);
  if (exact) return exact;
  for (const word of text.slice(0, 4096).match(CODE_WORD) ?? []) {
    const code = isNoFundsCode(word, provider);
    if (code) return code;
  }
  return undefined;
}

function searchThrown(value: unknown, provider: ProviderName, depth: number, seen: Set<object>): string | undefined {
  if (value instanceof ZeroBalanceError) return value.code;
  if (typeof value === "string") return fromText(value, provider);
  if (value === null || typeof value !== "object" || depth > MAX_DEPTH || seen.has(value)) return undefined;
  seen.add(value);
  const obj = value as Record<string, unknown>;
  const shaped = fromAnswerShape(obj, provider);
  if (shaped) return shaped;
  for (const field of ["code", "errorCode", "error", "request"]) {
    const code = isNoFundsCode(obj[field], provider);
    if (code) return code;
  }
  if (typeof obj.message === "string") {
    const code = fromText(obj.message, provider);
    if (code) return code;
  }
  const nested: unknown[] = [obj.cause, obj.response, obj.data, obj.body, obj.error];
  const response = obj.response;
  if (response && typeof response === "object") {
    const r = response as Record<string, unknown>;
    nested.push(r.data, r.body);
  }
  if (Array.isArray(obj.errors)) nested.push(...obj.errors.slice(0, 16));
  for (const inner of nested) {
    if (inner === undefined) continue;
    const code = searchThrown(inner, provider, depth + 1, seen);
    if (code) return code;
  }
  return undefined;
}

/** The no-funds code in something a solver threw (an Error, a string, an HTTP client error, …). */
export function zeroBalanceInThrown(thrown: unknown, provider: ProviderName): string | undefined {
  return searchThrown(thrown, provider, 0, new Set());
}

/** The no-funds code in something a solver returned: the bare code, or a provider answer's shape. */
export function zeroBalanceInReturned(value: unknown, provider: ProviderName): string | undefined {
  if (typeof value === "string") return isNoFundsCode(value.trim(), provider);
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  if (value instanceof ZeroBalanceError) return value.code;
  return fromAnswerShape(value as Record<string, unknown>, provider);
}
