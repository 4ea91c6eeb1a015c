/**
 * RuCaptcha on 2Captcha's JSON API v2 (`POST https://api.rucaptcha.com/getBalance {"clientKey":KEY}`),
 * the same answers and error ids as 2captcha-v2; the balance in the account's own currency.
 */
import { defineProvider, MINUTE } from "../define.ts";
import { TWOCAPTCHA_PRICES } from "./2captcha.ts";
import { API_V2_ERRORS } from "./2captcha-v2.ts";
import { RUCAPTCHA_CURRENCY_NOTE } from "./rucaptcha.ts";

export default defineProvider({
  name: "rucaptcha-v2",
  title: "RuCaptcha (API v2)",
  protocol: "client-key",
  defaultBaseUrl: "https://api.rucaptcha.com",
  defaultCurrency: "RUB",
  currencyNote: RUCAPTCHA_CURRENCY_NOTE,
  minPollIntervalMs: 2 * MINUTE,
  defaultPollIntervalMs: 5 * MINUTE,
  intervalReason: "as 2captcha-v2",
  banCooldownMs: 10 * MINUTE,
  errorCodes: API_V2_ERRORS.reasons,
  prices: TWOCAPTCHA_PRICES,
  docs: [
    { source: "rucaptcha.com/api-docs/get-balance (POST /getBalance, as 2Captcha API v2)", checked: "2026" },
    { source: "2captcha.com/api-docs/error-codes", checked: "2026" },
  ],
  simulator: { badKeyCode: "ERROR_KEY_DOES_NOT_EXIST", banCode: "ERROR_IP_BLOCKED", errorIds: API_V2_ERRORS.ids, decimals: 2 },
});
