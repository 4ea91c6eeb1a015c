/**
 * RuCaptcha: 2Captcha's service on rucaptcha.com, the same res.php protocol and quota. It reports the
 * balance in the account's own currency (often RUB): set `currency` for a USD account.
 */
import { defineProvider, MINUTE } from "../define.ts";
import { TWOCAPTCHA_PRICES } from "./2captcha.ts";

export const RUCAPTCHA_CURRENCY_NOTE = "the account's own: set `currency`";

export default defineProvider({
  name: "rucaptcha",
  title: "RuCaptcha",
  protocol: "legacy",
  defaultBaseUrl: "https://rucaptcha.com",
  defaultCurrency: "RUB",
  currencyNote: RUCAPTCHA_CURRENCY_NOTE,
  minPollIntervalMs: 2 * MINUTE,
  defaultPollIntervalMs: 5 * MINUTE,
  intervalReason: "the same res.php quota as 2Captcha",
  banCooldownMs: 10 * MINUTE,
  errorCodes: {
    ERROR_WRONG_USER_KEY: "auth",
    ERROR_KEY_DOES_NOT_EXIST: "auth",
    ERROR_ZERO_BALANCE: "no_funds",
    IP_BANNED: "banned",
    "ERROR: 1004": "banned",
    "ERROR: 1005": "rate_limited",
  },
  // the same price list as 2Captcha; applies to USD accounts only
  prices: TWOCAPTCHA_PRICES,
  docs: [{ source: "rucaptcha.com/api-rucaptcha, getbalance (same API as 2Captcha)", checked: "2026" }],
  simulator: { badKeyCode: "ERROR_KEY_DOES_NOT_EXIST", banCode: "IP_BANNED", decimals: 2 },
});
