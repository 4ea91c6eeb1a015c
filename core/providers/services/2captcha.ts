/**
 * 2Captcha on its legacy res.php protocol.
 * Balance: `GET https://2captcha.com/res.php?key=KEY&action=getbalance&json=1`; the official SDK
 * (2captcha-python, `balance()`) reads the bare body as a float and raises on a body containing ERROR.
 * Balance calls count against the account's res.php quota (ERROR: 1005 when requests > 20 × uploads + 1,200 a day).
 */
import { defineProvider, MINUTE } from "../define.ts";

export const TWOCAPTCHA_PRICES = {
  recaptcha_v2: { usd: 0.00299, source: "2captcha.com/order-captchas, $1.00–2.99 per 1000 (upper end)", checked: "2025-09" },
  recaptcha_v3: { usd: 0.00299, source: "2captcha.com/order-captchas, $2.99 per 1000", checked: "2025-09" },
  image: { usd: 0.001, source: "2captcha.com/order-captchas, $0.50–1.00 per 1000 (upper end)", checked: "2025-09" },
} as const;

export default defineProvider({
  name: "2captcha",
  title: "2Captcha",
  protocol: "legacy",
  defaultBaseUrl: "https://2captcha.com",
  defaultCurrency: "USD",
  minPollIntervalMs: 2 * MINUTE, // 720 calls a day at most: under the 1,200 free res.php requests
  defaultPollIntervalMs: 5 * MINUTE,
  intervalReason: "balance calls count against the res.php quota (≈ 20 per uploaded CAPTCHA + 1,200 a day)",
  banCooldownMs: 10 * MINUTE,
  errorCodes: {
    ERROR_WRONG_USER_KEY: "auth",
    ERROR_KEY_DOES_NOT_EXIST: "auth",
    ERROR_ZERO_BALANCE: "no_funds",
    IP_BANNED: "banned",
    "ERROR: 1004": "banned", // IP blocked after 5 requests with a wrong key
    "ERROR: 1005": "rate_limited", // the daily res.php quota
  },
  prices: TWOCAPTCHA_PRICES,
  docs: [
    { source: "2captcha.com/2captcha-api, getbalance (res.php)", checked: "2026" },
    { source: "github.com/2captcha/2captcha-python, TwoCaptcha.balance()", checked: "2026" },
    { source: "2Captcha support e-mail on the res.php quota, quoted in PokeAlert/PokeAlert#431", checked: "2026" },
  ],
  simulator: { badKeyCode: "ERROR_KEY_DOES_NOT_EXIST", banCode: "IP_BANNED" },
});
