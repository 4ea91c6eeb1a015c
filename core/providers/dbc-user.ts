/**
 * DeathByCaptcha's account endpoint: `POST {base}/user` with the form `authtoken=KEY` and
 * `Accept: application/json` → `{"user":ID,"rate":…,"balance":CENTS,"is_banned":false,"status":0}`.
 * A failed login is HTTP 403 or `"user": 0`; a suspended account `"is_banned": true`. The balance is in
 * US cents: the provider's `balanceDivisor` (100) turns it into dollars (see provider.ts).
 */
import { reasonForCode } from "./error-codes.ts";
import { type Answer, failure, jsonObjectBody, notABalance, oneLine, toBalance } from "./parse.ts";
import { type BalanceProtocol, type ParseContext, withSlash } from "./protocol.ts";
import type { BalanceResult } from "./types.ts";

export function parseDbcUser(answer: Answer, ctx: ParseContext): BalanceResult {
  const { status, body } = answer;
  if (status === 403 || status === 401) {
    return failure(reasonForCode("ACCESS_DENIED", ctx.errorCodes), `the provider denied access with HTTP ${status} (wrong authtoken?)`, {
      code: "ACCESS_DENIED",
    });
  }
  const parsed = jsonObjectBody(answer);
  if (!parsed.ok) return parsed.failure;
  const o = parsed.json;
  if (typeof o.error === "string" && o.error.trim() !== "") {
    const code = oneLine(o.error, 60);
    const reason = status >= 500 ? "upstream" : reasonForCode(code, ctx.errorCodes);
    return failure(reason, `the provider answered error "${code}" with HTTP ${status}`, { code });
  }
  if (o.user === 0 || o.user === "0") {
    return failure(reasonForCode("ACCESS_DENIED", ctx.errorCodes), "the provider did not accept the authtoken (user 0)", { code: "ACCESS_DENIED" });
  }
  if (o.is_banned === true) {
    return failure(reasonForCode("ACCOUNT_BANNED", ctx.errorCodes), "the provider reports the account as suspended (is_banned)", { code: "ACCOUNT_BANNED" });
  }
  if ("balance" in o && status < 400) {
    const balance = toBalance(o.balance);
    if (balance === undefined) return notABalance(o.balance);
    return { ok: true, balance, currency: ctx.defaultCurrency };
  }
  if (status >= 500) return failure("upstream", `the provider answered HTTP ${status}`, { code: `HTTP_${status}` });
  return failure("malformed", `expected account details with "balance", got HTTP ${status}: ${oneLine(body, 80)}`);
}

export const dbcUserProtocol: BalanceProtocol = {
  request(base, apiKey) {
    return {
      method: "POST",
      url: new URL("user", withSlash(base)),
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams({ authtoken: apiKey }).toString(),
    };
  },
  parse: parseDbcUser,
};
