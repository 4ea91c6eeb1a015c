/**
 * NopeCHA sells credits, not money: `GET https://api.nopecha.com/status/?key=KEY` →
 * `{"plan":…,"status":…,"credit":N,"quota":N,"duration":…,"lastreset":…,…}`, errors `{"error":N,"message":…}`.
 * Sources: the official SDK github.com/NopeCHALLC/nopecha-python — `APIClient.status()` in
 * src/nopecha/api/_base.py (the URL), `StatusResponse` and `ErrorCode` in src/nopecha/api/types.py (the
 * fields and the numeric codes: 9 Unknown, 10 InvalidRequest, 11 Ratelimited, 12 BannedIp, 15 InvalidKey,
 * 16 NoCredit, 17 UpdateRequired, 18 UnavailableFeature). The SDK retries 429 and 5xx answers.
 * The balance is `credit`, reported with the currency `credits`; prices are declared in credits.
 */
import { defineProvider, MINUTE, SECOND } from "../define.ts";
import { NOPECHA_ERROR_IDS } from "../nopecha-status.ts";


export default defineProvider({
  name: "nopecha",
  title: "NopeCHA",
  protocol: "nopecha",
  defaultBaseUrl: "https://api.nopecha.com",
  defaultCurrency: "credits",
  currencyNote: "credits",
  minPollIntervalMs: 30 * SECOND,
  defaultPollIntervalMs: 1 * MINUTE,
  intervalReason: "no documented limit; the SDK backs off on 429",
  banCooldownMs: 10 * MINUTE,
  errorCodes: {
    Unknown: "upstream",
    InvalidRequest: "upstream",
    Ratelimited: "rate_limited",
    BannedIp: "banned",
    InvalidKey: "auth",
    NoCredit: "no_funds",
    UpdateRequired: "upstream",
    UnavailableFeature: "auth",
  },
  prices: {},
  docs: [
    { source: "github.com/NopeCHALLC/nopecha-python, src/nopecha/api/_base.py (status) and src/nopecha/api/types.py", checked: "2026-12-01" },
  ],
  simulator: {
    badKeyCode: "InvalidKey",
    banCode: "BannedIp",
    errorIds: NOPECHA_ERROR_IDS,
    errorStatus: (code) => ({ InvalidKey: 401, NoCredit: 403, Ratelimited: 429, BannedIp: 403 })[code] ?? 400,
    decimals: 0,
  },
});
