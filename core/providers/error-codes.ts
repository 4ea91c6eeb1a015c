/**
 * Provider error codes → our closed set of failure reasons: the codes the res.php and client-key
 * families share; each provider's definition adds its own (services/*.ts, `errorCodes`). Sources,
 * the providers' public API documentation:
 * - CaptchaAI: https://docs.captchaai.com (error codes, "API error handling");
 * - 2Captcha: https://2captcha.com/api-docs/error-codes; the res.php quota codes `ERROR: 1004` and
 *   `ERROR: 1005` from 2Captcha support, quoted in https://github.com/PokeAlert/PokeAlert/issues/431;
 * - Anti-Captcha: https://anti-captcha.com/apidoc/errors;
 * - CapSolver: https://docs.capsolver.com (error codes);
 * - CapMonster Cloud: https://docs.capmonster.cloud ("block reason").
 */
import type { FailureReason } from "../reasons.ts";

const CODES: Readonly<Record<string, FailureReason>> = {
  // the key is wrong or not allowed from here: never retried
  ERROR_WRONG_USER_KEY: "auth",
  ERROR_KEY_DOES_NOT_EXIST: "auth",
  ERROR_KEY_DENIED_ACCESS: "auth",
  ERROR_IP_NOT_ALLOWED: "auth",
  ERROR_ACCOUNT_SUSPENDED: "auth",
  // no money (CaptchaAI's docs say "no free threads"; reported as its own reason either way)
  ERROR_ZERO_BALANCE: "no_funds",
  // temporary blocks of the IP or the key
  IP_BANNED: "banned",
  ERROR_IP_BANNED: "banned",
  ERROR_IP_BLOCKED: "banned",
  ERROR_KEY_TEMP_BLOCKED: "banned",
  "ERROR: 1004": "banned",
  // too many requests (MAX_USER_TURN is reported for res.php in third-party posts, not in the docs)
  ERROR_TOO_MUCH_REQUESTS: "rate_limited",
  ERROR_RATE_LIMIT: "rate_limited",
  MAX_USER_TURN: "rate_limited",
  "ERROR: 1005": "rate_limited",
  // the provider's own trouble: transient
  ERROR_SERVER_ERROR: "upstream",
  ERROR_INTERNAL_SERVER_ERROR: "upstream",
  ERROR_NO_SLOT_AVAILABLE: "upstream",
  ERROR_SERVICE_UNAVALIABLE: "upstream",
  ERROR_SERVICE_UNAVAILABLE: "upstream",
};

/** Canonical form of a code as providers print it (`ERROR: 1005` keeps its space). */
export function normaliseCode(raw: string): string {
  const s = raw.trim().toUpperCase();
  const numeric = /^ERROR:\s*(\d+)$/.exec(s);
  return numeric ? `ERROR: ${numeric[1]}` : s;
}

/** A provider's own code table (its definition's `errorCodes`), consulted before the shared one. */
export type CodeTable = Readonly<Record<string, FailureReason>>;

/** The reason for a provider error code; unknown codes are the provider's trouble (`upstream`). */
export function reasonForCode(code: string, own?: CodeTable): FailureReason {
  const c = normaliseCode(code);
  return own?.[c] ?? own?.[code.trim()] ?? CODES[c] ?? "upstream";
}

/** Looks like an error code rather than a balance: `ERROR_…`, `ERROR: 1005`, `IP_BANNED`, `MAX_USER_TURN`. */
export function looksLikeErrorCode(text: string): boolean {
  return /^(ERROR[_:][A-Z0-9_: ]*|[A-Z][A-Z0-9]*_[A-Z0-9_]+)$/.test(text.trim().toUpperCase()) && !/^\d/.test(text.trim());
}

/** How long after a ban or quota block to ask again, ms, when the code implies it. */
export function cooldownForReason(reason: FailureReason, banCooldownMs: number): number | undefined {
  if (reason === "banned") return banCooldownMs;
  return undefined;
}
