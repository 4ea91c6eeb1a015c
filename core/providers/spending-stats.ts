/**
 * Anti-Captcha's spend history: `POST {base}/getSpendingStats {"clientKey":KEY}` →
 * `{"errorId":0,"data":[{"dateFrom":1550533500,"dateTill":1550537099,"volume":1899,"money":7.495948},…]}`,
 * the account's spend (`money`) and tasks (`volume`) hour by hour over 24 hours
 * (anti-captcha.com/apidoc/methods/getSpendingStats; optional request fields `date`, the hour the
 * 24 hours are counted from, `queue`, `softId` and `ip` are not sent: the totals of all queues for
 * the last 24 hours are what a runway needs). `dateTill` is the last second of the record, so a
 * record spans [dateFrom, dateTill + 1). Errors are the client-key protocol's
 * (`{"errorId":1,"errorCode":"ERROR_KEY_DOES_NOT_EXIST",…}`) and are classified like a balance
 * call's. The exporter makes this call once, on a first start, to warm the runway estimator.
 */
import { callProvider } from "./call.ts";
import type { ProviderDefinition } from "./define.ts";
import { type Answer, codeFailure, failure, jsonObjectBody, oneLine } from "./parse.ts";
import { withSlash } from "./protocol.ts";
import type { BalanceFailure, BalanceRequest } from "./types.ts";

/** One hour (or other stretch) of past spend, in the account's currency. */
export interface SpendRecord {
  /** Unix seconds, inclusive. */
  readonly fromSec: number;
  /** Unix seconds, exclusive. */
  readonly toSec: number;
  readonly spent: number;
}

export interface SpendHistoryOk {
  readonly ok: true;
  /** Oldest first; records that make no sense (no length, negative money) are left out. */
  readonly records: readonly SpendRecord[];
}

export type SpendHistoryResult = SpendHistoryOk | BalanceFailure;

/** Longest record accepted: a day (the endpoint answers hours). */
const MAX_RECORD_SECONDS = 86_400;
/** Records read at most (24 are expected). */
const MAX_RECORDS = 1000;

/** Interprets one getSpendingStats answer. Pure; exported for tests of documented bodies. */
export function parseSpendingStats(
  answer: Answer,
  def: Pick<ProviderDefinition, "banCooldownMs" | "errorCodes">,
): SpendHistoryResult {
  const { status, body } = answer;
  const parsed = jsonObjectBody(answer);
  if (!parsed.ok) return parsed.failure;
  const { errorId, errorCode, errorDescription, data } = parsed.json;
  if ((errorId === 0 || errorId === "0") && status < 400) {
    if (!Array.isArray(data)) return failure("malformed", `expected "data" to be a list of hourly records, got ${oneLine(JSON.stringify(data ?? null), 60)}`);
    const records: SpendRecord[] = [];
    for (const item of data.slice(0, MAX_RECORDS)) {
      if (!item || typeof item !== "object") continue;
      const { dateFrom, dateTill, money } = item as Record<string, unknown>;
      const from = Number(dateFrom);
      const till = Number(dateTill);
      const spent = Number(money);
      if (!Number.isFinite(from) || !Number.isFinite(till) || !Number.isFinite(spent)) continue;
      if (!(till >= from) || till + 1 - from > MAX_RECORD_SECONDS || spent < 0 || spent > 1e12) continue;
      records.push({ fromSec: from, toSec: till + 1, spent });
    }
    records.sort((a, b) => a.fromSec - b.fromSec);
    return { ok: true, records };
  }
  if (typeof errorCode === "string" && errorCode.trim() !== "") {
    return codeFailure(errorCode, def.banCooldownMs, typeof errorDescription === "string" ? errorDescription : undefined, def.errorCodes);
  }
  if (status === 401 || status === 403) return failure("auth", `the provider refused the key with HTTP ${status}`, { code: `HTTP_${status}` });
  if (status >= 500) return failure("upstream", `the provider answered HTTP ${status}`, { code: `HTTP_${status}` });
  return failure("malformed", `unexpected JSON answer with HTTP ${status}: ${oneLine(body, 80)}`);
}

/** One getSpendingStats call for `def` (a provider that has the endpoint). Never throws: it classifies. */
export async function fetchSpendingStats(def: ProviderDefinition, req: BalanceRequest): Promise<SpendHistoryResult> {
  const call = {
    method: "POST",
    url: new URL("getSpendingStats", withSlash(req.apiUrl ?? def.defaultBaseUrl)),
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ clientKey: req.apiKey }),
  } as const;
  return callProvider(call, req, (answer) => parseSpendingStats(answer, def));
}
