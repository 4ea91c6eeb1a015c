/**
 * The client-key JSON protocol of Anti-Captcha, CapSolver, CapMonster Cloud (and 2Captcha's API v2):
 * `POST {base}/getBalance {"clientKey": KEY}` → `{"errorId":0,"balance":12.34}`; errors
 * `{"errorId":1,"errorCode":"ERROR_…","errorDescription":…}`, sometimes with HTTP 400/401, so the body
 * is parsed whatever the status.
 */
import { type Answer, codeFailure, failure, jsonObjectBody, notABalance, oneLine, toBalance } from "./parse.ts";
import { type BalanceProtocol, type ParseContext, withSlash } from "./protocol.ts";
import type { BalanceResult } from "./types.ts";

/** Interprets one client-key answer. Pure; exported for tests of recorded bodies. */
export function parseClientKeyBalance(answer: Answer, spec: ParseContext): BalanceResult {
  const { status, body } = answer;
  const parsed = jsonObjectBody(answer);
  if (!parsed.ok) return parsed.failure;
  const { errorId, errorCode, errorDescription, balance } = parsed.json;
  if ((errorId === 0 || errorId === "0") && status < 400) {
    const value = toBalance(balance);
    if (value === undefined) {
      return notABalance(balance);
    }
    return { ok: true, balance: value, currency: spec.defaultCurrency };
  }
  if (typeof errorCode === "string" && errorCode.trim() !== "") {
    return codeFailure(errorCode, spec.banCooldownMs, typeof errorDescription === "string" ? errorDescription : undefined, spec.errorCodes);
  }
  if (status === 401 || status === 403) return failure("auth", `the provider refused the key with HTTP ${status}`, { code: `HTTP_${status}` });
  if (status >= 500) return failure("upstream", `the provider answered HTTP ${status}`, { code: `HTTP_${status}` });
  return failure("malformed", `unexpected JSON answer with HTTP ${status}: ${oneLine(body, 80)}`);
}

export const clientKeyProtocol: BalanceProtocol = {
  request(base, apiKey) {
    return {
      method: "POST",
      url: new URL("getBalance", withSlash(base)),
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ clientKey: apiKey }),
    };
  },
  parse: parseClientKeyBalance,
};
