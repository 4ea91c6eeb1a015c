/**
 * 2Captcha on its JSON API v2: `POST https://api.2captcha.com/getBalance {"clientKey":KEY}` →
 * `{"errorId":0,"balance":7.5}`; errors `{"errorId":N,"errorCode":…,"errorDescription":…}` with the ids
 * of 2captcha.com/api-docs/error-codes. Whether these calls count against the res.php quota is not
 * documented, so the same intervals as the legacy protocol apply.
 */
import { defineProvider, MINUTE } from "../define.ts";
import { TWOCAPTCHA_PRICES } from "./2captcha.ts";

export const API_V2_ERRORS = {
  ids: { ERROR_KEY_DOES_NOT_EXIST: 1, ERROR_NO_SLOT_AVAILABLE: 2, ERROR_ZERO_BALANCE: 10, ERROR_IP_NOT_ALLOWED: 11, ERROR_IP_BLOCKED: 21 },
  reasons: {
    ERROR_KEY_DOES_NOT_EXIST: "auth",
    ERROR_NO_SLOT_AVAILABLE: "upstream",
    ERROR_ZERO_BALANCE: "no_funds",
    ERROR_IP_NOT_ALLOWED: "auth",
    ERROR_IP_BLOCKED: "banned",
  },
} as const;

export default defineProvider({
  name: "2captcha-v2",
  title: "2Captcha (API v2)",
  protocol: "client-key",
  defaultBaseUrl: "https://api.2captcha.com",
  defaultCurrency: "USD",
  minPollIntervalMs: 2 * MINUTE,
  defaultPollIntervalMs: 5 * MINUTE,
  intervalReason: "as the legacy protocol: the res.php quota may count these calls too (undocumented)",
  banCooldownMs: 10 * MINUTE,
  errorCodes: API_V2_ERRORS.reasons,
  prices: TWOCAPTCHA_PRICES,
  docs: [
    { source: "2captcha.com/api-docs/get-balance (POST /getBalance, response {errorId, balance})", checked: "2026" },
    { source: "2captcha.com/api-docs/error-codes (ids 1, 2, 10, 11, 21)", checked: "2026" },
  ],
  simulator: { badKeyCode: "ERROR_KEY_DOES_NOT_EXIST", banCode: "ERROR_IP_BLOCKED", errorIds: API_V2_ERRORS.ids },
});
