/**
 * The legacy res.php protocol of CaptchaAI, 2Captcha and RuCaptcha:
 * `GET {base}/res.php?key=KEY&action=getbalance&json=1` → `{"status":1,"request":"12.3456"}`,
 * errors `{"status":0,"request":"ERROR_…"}`; plain-text bodies (`12.3456`, `ERROR_…`) and HTML 5xx pages
 * also occur, so every shape is accepted whatever the HTTP status.
 */
import { looksLikeErrorCode } from "./error-codes.ts";
import { type Answer, codeFailure, failure, notABalance, oneLine, toBalance, unexpectedBody } from "./parse.ts";
import { type BalanceProtocol, type ParseContext, withSlash } from "./protocol.ts";
import type { BalanceResult } from "./types.ts";

/** Interprets one legacy answer. Pure; exported for tests of recorded bodies. */
export function parseLegacyBalance(answer: Answer, spec: ParseContext): BalanceResult {
  const { status, body } = answer;
  const text = body.trim();
  if (text.startsWith("{")) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return unexpectedBody({ ...answer, truncated: true }); // looked like JSON: cut off
    }
    if (!json || typeof json !== "object") return unexpectedBody(answer);
    const { status: st, request } = json as { status?: unknown; request?: unknown };
    if (st === 1 || st === "1") {
      const balance = toBalance(request);
      if (balance === undefined) {
        return notABalance(request);
      }
      return { ok: true, balance, currency: spec.defaultCurrency };
    }
    if ((st === 0 || st === "0") && typeof request === "string" && request.trim() !== "") {
      const desc = (json as { error_text?: unknown }).error_text;
      return codeFailure(request, spec.banCooldownMs, typeof desc === "string" ? desc : undefined, spec.errorCodes);
    }
    return failure("malformed", `unexpected JSON answer with HTTP ${status}: ${oneLine(text, 80)}`);
  }
  const plain = toBalance(text);
  if (plain !== undefined && status < 400) return { ok: true, balance: plain, currency: spec.defaultCurrency };
  if (looksLikeErrorCode(text)) return codeFailure(text, spec.banCooldownMs, undefined, spec.errorCodes);
  return unexpectedBody(answer);
}

export const legacyProtocol: BalanceProtocol = {
  request(base, apiKey) {
    const url = new URL("res.php", withSlash(base));
    url.searchParams.set("key", apiKey);
    url.searchParams.set("action", "getbalance");
    url.searchParams.set("json", "1");
    return { method: "GET", url, headers: { accept: "application/json, text/plain;q=0.9, */*;q=0.1" } };
  },
  parse: parseLegacyBalance,
};
