/**
 * NopeCHA's status endpoint: `GET {base}/status/?key=KEY` → `{"plan":…,"credit":N,"quota":N,…}`;
 * errors `{"error":N,"message":…}` (numeric codes of the official SDK's `ErrorCode`, see
 * services/nopecha.ts). The balance is `credit`. Parsed whatever the HTTP status.
 */
import { reasonForCode } from "./error-codes.ts";
import { type Answer, failure, jsonObjectBody, notABalance, oneLine, toBalance } from "./parse.ts";
import { type BalanceProtocol, type ParseContext, withSlash } from "./protocol.ts";
import type { BalanceResult } from "./types.ts";

/** NopeCHA's numeric error codes by the official SDK's names (nopecha-python, src/nopecha/api/types.py). */
export const NOPECHA_ERROR_IDS: Readonly<Record<string, number>> = {
  Unknown: 9,
  InvalidRequest: 10,
  Ratelimited: 11,
  BannedIp: 12,
  NoJob: 13,
  IncompleteJob: 14,
  InvalidKey: 15,
  NoCredit: 16,
  UpdateRequired: 17,
  UnavailableFeature: 18,
};

const NAME_OF = new Map(Object.entries(NOPECHA_ERROR_IDS).map(([name, id]) => [id, name]));

export function parseNopechaStatus(answer: Answer, ctx: ParseContext): BalanceResult {
  const { status, body } = answer;
  const parsed = jsonObjectBody(answer);
  if (!parsed.ok) return parsed.failure;
  const o = parsed.json;
  if (o.error !== undefined && o.error !== null && o.error !== 0) {
    const id = typeof o.error === "number" ? o.error : Number(o.error);
    const name = NAME_OF.get(id) ?? `ERROR_${oneLine(String(o.error), 20)}`;
    const reason = reasonForCode(name, ctx.errorCodes);
    const desc = typeof o.message === "string" && o.message.trim() !== "" ? `: ${oneLine(o.message, 160)}` : "";
    return failure(reason, `the provider answered error ${oneLine(String(o.error), 20)} (${name})${desc}`, {
      code: name,
      ...(reason === "banned" ? { retryAfterMs: ctx.banCooldownMs } : {}),
    });
  }
  if ("credit" in o && status < 400) {
    const credit = toBalance(o.credit);
    if (credit === undefined) return notABalance(o.credit);
    return { ok: true, balance: credit, currency: ctx.defaultCurrency };
  }
  if (status === 401 || status === 403) return failure("auth", `the provider refused the key with HTTP ${status}`, { code: `HTTP_${status}` });
  if (status >= 500) return failure("upstream", `the provider answered HTTP ${status}`, { code: `HTTP_${status}` });
  return failure("malformed", `expected a status with "credit", got HTTP ${status}: ${oneLine(body, 80)}`);
}

export const nopechaProtocol: BalanceProtocol = {
  request(base, apiKey) {
    const url = new URL("status/", withSlash(base));
    url.searchParams.set("key", apiKey);
    return { method: "GET", url, headers: { accept: "application/json" } };
  },
  parse: parseNopechaStatus,
};
