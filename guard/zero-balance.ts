/**
 * Recognising "no money" in whatever a solver throws or returns, for every provider's shape, with
 * core's one error-code table (reasonForCode → `no_funds`) and its numbered errors (errorId 10):
 *
 * - 2Captcha / RuCaptcha / CaptchaAI res.php: the text `ERROR_ZERO_BALANCE`, or `{"status":0,"request":"ERROR_ZERO_BALANCE"}`;
 * - client-key APIs (Anti-Captcha, CapSolver, CapMonster, 2Captcha v2): `{"errorId":N,"errorCode":"ERROR_ZERO_BALANCE"}`,
 *   or just `errorId: 10` where the provider numbers its errors (2Captcha v2, Anti-Captcha);
 * - what client libraries make of those: an Error whose message, `code`, `errorCode` or `errorId` says it, a rejected
 *   string, an HTTP client error carrying the answer (`response.data`, `response.body`, `body`, `data`), a `cause`,
 *   an AggregateError's `errors`.
 *
 * A thrown value is searched (messages for the code as a word, nested causes up to a few levels); a returned value
 * is matched only by its own shape, so a page that merely mentions the code is not mistaken for a refusal.
 */
import { codeForErrorId, normaliseCode, reasonForCode } from "../core/providers/error-codes.ts";
import type { ProviderName } from "../core/providers/types.ts";
import { ZeroBalanceError } from "./errors.ts";

const MAX_DEPTH = 4;
/** Words that look like provider codes inside a message (ERROR_ZERO_BALANCE, error_zero_balance). */
const CODE_WORD = /\b[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+\b/g;

function isNoFundsCode(value: unknown): string | undefined {
  if (typeof value !== "string" || value.length > 100) return undefined;
  const code = normaliseCode(value);
  return reasonForCode(code) === "no_funds" ? code : undefined;
}

function fromErrorId(value: unknown, provider: ProviderName): string | undefined {
  const id = typeof value === "number" ? value : typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : undefined;
  if (id === undefined || id === 0) return undefined;
  return isNoFundsCode(codeForErrorId(provider, id));
}

/** A provider answer's own shape: legacy `{status:0, request}`, client-key `{errorId, errorCode}`. */
function fromAnswerShape(obj: Record<string, unknown>, provider: ProviderName): string | undefined {
  if ((obj.status === 0 || obj.status === "0") && typeof obj.request === "string") {
    const code = isNoFundsCode(obj.request);
    if (code) return code;
  }
  if ("errorId" in obj || "errorCode" in obj) {
    const code = isNoFundsCode(obj.errorCode);
    if (code) return code;
    if (typeof obj.errorCode !== "string" || obj.errorCode.trim() === "") return fromErrorId(obj.errorId, provider);
  }
  return undefined;
}

function fromText(text: string): string | undefined {
  const exact = isNoFundsCode(text.trim());
  if (exact) return exact;
  for (const word of text.slice(0, 4096).match(CODE_WORD) ?? []) {
    const code = isNoFundsCode(word);
    if (code) return code;
  }
  return undefined;
}

function searchThrown(value: unknown, provider: ProviderName, depth: number, seen: Set<object>): string | undefined {
  if (value instanceof ZeroBalanceError) return value.code;
  if (typeof value === "string") return fromText(value);
  if (value === null || typeof value !== "object" || depth > MAX_DEPTH || seen.has(value)) return undefined;
  seen.add(value);
  const obj = value as Record<string, unknown>;
  const shaped = fromAnswerShape(obj, provider);
  if (shaped) return shaped;
  for (const field of ["code", "errorCode", "error", "request"]) {
    const code = isNoFundsCode(obj[field]);
    if (code) return code;
  }
  if (typeof obj.message === "string") {
    const code = fromText(obj.message);
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
  if (typeof value === "string") return isNoFundsCode(value.trim());
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  if (value instanceof ZeroBalanceError) return value.code;
  return fromAnswerShape(value as Record<string, unknown>, provider);
}
