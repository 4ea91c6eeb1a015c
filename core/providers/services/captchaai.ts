/**
 * CaptchaAI: the legacy res.php protocol (2Captcha-compatible).
 * Balance: `GET https://ocr.captchaai.com/res.php?key=KEY&action=getbalance&json=1` → `{"status":1,"request":"12.3456"}`.
 * Error codes and the 5-minute IP ban: docs.captchaai.com, "API error handling".
 */
import { defineProvider, MINUTE, SECOND } from "../define.ts";

export default defineProvider({
  name: "captchaai",
  title: "CaptchaAI",
  protocol: "legacy",
  defaultBaseUrl: "https://ocr.captchaai.com",
  defaultCurrency: "USD",
  minPollIntervalMs: 30 * SECOND,
  defaultPollIntervalMs: 1 * MINUTE,
  intervalReason: "no documented limit on balance calls; 30 s as for Anti-Captcha",
  banCooldownMs: 5 * MINUTE, // IP_BANNED is lifted after 5 minutes
  errorCodes: {
    ERROR_WRONG_USER_KEY: "auth", // the key is not 32 characters
    ERROR_KEY_DOES_NOT_EXIST: "auth",
    ERROR_ZERO_BALANCE: "no_funds", // the docs say "no free threads"; reported as its own reason
    IP_BANNED: "banned",
    ERROR_SERVER_ERROR: "upstream",
    ERROR_INTERNAL_SERVER_ERROR: "upstream",
  },
  // CaptchaAI bills by monthly thread plans, not per solve: only the seed prices apply; declare your own.
  prices: {},
  docs: [
    { source: "docs.captchaai.com, API error handling (error codes, IP_BANNED lifted after 5 min)", checked: "2026" },
    { source: "help.captchaai.com, subscribe/upgrade subscription (thread plans)", checked: "2026" },
  ],
  simulator: { badKeyCode: "ERROR_KEY_DOES_NOT_EXIST", banCode: "IP_BANNED" },
});
