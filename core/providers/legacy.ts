/**
 * The legacy res.php protocol of CaptchaAI, 2Captcha and RuCaptcha:
 * `GET {base}/res.php?key=KEY&action=getbalance&json=1` → `{"status":1,"request":"12.3456"}`,
 * errors `{"status":0,"request":"ERROR_…"}`; plain-text bodies (`12.3456`, `ERROR_…`) and HTML 5xx pages
 * also occur, so every shape is accepted whatever the HTTP status.
 */
import { send } from "../http.ts";
import { looksLikeErrorCode } from "./error-codes.ts";
import { codeFailure, failure, interpretOutcome, notABalance, oneLine, toBalance, unexpectedBody } from "./parse.ts";
import type { BalanceRequest, BalanceResult, Provider, ProviderSpec } from "./types.ts";

export type LegacyProviderSpec = ProviderSpec;

/** Interprets one legacy answer. Pure; exported for tests of recorded bodies. */
export function parseLegacyBalance(
  status: number,
  body: string,
  truncated: boolean,
  spec: Pick<LegacyProviderSpec, "defaultCurrency" | "banCooldownMs">,
): BalanceResult {
  const text = body.trim();
  if (text.startsWith("{")) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return unexpectedBody(status, body, true);
    }
    if (!json || typeof json !== "object") return unexpectedBody(status, body, truncated);
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
      return codeFailure(request, spec.banCooldownMs, typeof desc === "string" ? desc : undefined);
    }
    return failure("malformed", `unexpected JSON answer with HTTP ${status}: ${oneLine(text, 80)}`);
  }
  const plain = toBalance(text);
  if (plain !== undefined && status < 400) return { ok: true, balance: plain, currency: spec.defaultCurrency };
  if (looksLikeErrorCode(text)) return codeFailure(text, spec.banCooldownMs);
  return unexpectedBody(status, body, truncated);
}

export function legacyProvider(spec: LegacyProviderSpec): Provider {
  return {
    ...spec,
    async getBalance(req: BalanceRequest): Promise<BalanceResult> {
      const url = new URL("res.php", withSlash(req.apiUrl ?? spec.defaultBaseUrl));
      url.searchParams.set("key", req.apiKey);
      url.searchParams.set("action", "getbalance");
      url.searchParams.set("json", "1");
      const outcome = await send({
        method: "GET",
        url,
        headers: { accept: "application/json, text/plain;q=0.9, */*;q=0.1" },
        timeoutMs: req.timeoutMs,
        signal: req.signal,
        secrets: [req.apiKey],
      });
      return interpretOutcome(outcome, (status, body, truncated) => parseLegacyBalance(status, body, truncated, spec), req.apiKey);
    },
  };
}

/** A base URL that keeps its path when a relative endpoint is resolved against it. */
export function withSlash(base: string): string {
  return base.endsWith("/") ? base : `${base}/`;
}
