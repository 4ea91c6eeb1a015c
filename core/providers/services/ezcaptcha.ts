/**
 * EzCaptcha: the client-key protocol at `https://api.ez-captcha.com/getBalance`. Its getBalance page
 * documents the balance in *points*, "1 USD = 10000 points" (example `{"errorId":0,"balance":1071810}`,
 * i.e. 107.181 USD), and errorId 0 (no error) or 1 (error). The error codes below are the client-key
 * family's, which EzCaptcha's page does not list one by one: unknown codes are read as `upstream`.
 */
import { defineProvider, MINUTE, SECOND } from "../define.ts";

export default defineProvider({
  name: "ezcaptcha",
  title: "EzCaptcha",
  protocol: "client-key",
  defaultBaseUrl: "https://api.ez-captcha.com",
  defaultCurrency: "USD",
  currencyNote: "reported in points, 10,000 per USD",
  balanceDivisor: 10_000,
  minPollIntervalMs: 30 * SECOND,
  defaultPollIntervalMs: 1 * MINUTE,
  intervalReason: "no documented limit; 30 s as for Anti-Captcha",
  banCooldownMs: 10 * MINUTE,
  errorCodes: {
    ERROR_KEY_DOES_NOT_EXIST: "auth",
    ERROR_ZERO_BALANCE: "no_funds",
  },
  prices: {},
  docs: [{ source: "EzCaptcha API docs, getBalance (POST api.ez-captcha.com/getBalance; balance in points, 1 USD = 10000 points)", checked: "2026-12-01" }],
  simulator: { badKeyCode: "ERROR_KEY_DOES_NOT_EXIST", banCode: "ERROR_IP_BLOCKED", decimals: 0 },
});
