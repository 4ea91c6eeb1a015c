/**
 * Anti-Captcha: `POST https://api.anti-captcha.com/getBalance {"clientKey":KEY}` →
 * `{"errorId":0,"balance":12.3456,"captchaCredits":85000}` (anti-captcha.com/apidoc/methods/getBalance:
 * "Please don't call this method more than once every 30 seconds"). Errors: anti-captcha.com/apidoc/errors.
 */
import { defineProvider, MINUTE, SECOND } from "../define.ts";

export default defineProvider({
  name: "anti-captcha",
  title: "Anti-Captcha",
  protocol: "client-key",
  defaultBaseUrl: "https://api.anti-captcha.com",
  defaultCurrency: "USD",
  minPollIntervalMs: 30 * SECOND, // "don't call more than once every 30 seconds"
  defaultPollIntervalMs: 1 * MINUTE,
  intervalReason: "\"don't call this method more than once every 30 seconds\"",
  banCooldownMs: 10 * MINUTE,
  errorCodes: {
    ERROR_KEY_DOES_NOT_EXIST: "auth",
    ERROR_ZERO_BALANCE: "no_funds", // zero or negative balance
    ERROR_IP_NOT_ALLOWED: "auth",
    ERROR_IP_BLOCKED: "banned", // repeated failing requests
    ERROR_NO_SLOT_AVAILABLE: "upstream",
  },
  prices: {
    recaptcha_v2: { usd: 0.002, source: "comparison list, $0.95–2.00 per 1000 (upper end); official Ruby client README", checked: "2025" },
    image: { usd: 0.0005, source: "comparison list, $0.50 per 1000", checked: "2025" },
  },
  docs: [
    { source: "anti-captcha.com/apidoc/methods/getBalance", checked: "2026" },
    { source: "anti-captcha.com/apidoc/errors (1, 2, 10, 11, 21)", checked: "2026" },
  ],
  // POST /getSpendingStats {"clientKey"} → hourly spend over 24 h (warms the runway on a first start)
  spendingStats: { source: "anti-captcha.com/apidoc/methods/getSpendingStats", checked: "2026-12" },
  simulator: {
    badKeyCode: "ERROR_KEY_DOES_NOT_EXIST",
    banCode: "ERROR_IP_BLOCKED",
    errorIds: { ERROR_KEY_DOES_NOT_EXIST: 1, ERROR_NO_SLOT_AVAILABLE: 2, ERROR_ZERO_BALANCE: 10, ERROR_IP_NOT_ALLOWED: 11, ERROR_IP_BLOCKED: 21 },
    successExtras: { captchaCredits: 0 },
  },
});
