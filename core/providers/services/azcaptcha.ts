/**
 * AZcaptcha: the legacy res.php protocol. Its official client (github.com/AZcaptcha/WebService-AZCaptcha,
 * `getbalance`) sends `GET http://azcaptcha.com/res.php?key=KEY&action=getbalance` and prints the bare body
 * as the balance; errors are res.php codes (`ERROR_WRONG_USER_KEY`, `ERROR_KEY_DOES_NOT_EXIST`,
 * `ERROR_ZERO_BALANCE`, as on 2Captcha, whose API it copies). We use https and add json=1, which the
 * parser does not need (both shapes are read).
 */
import { defineProvider, MINUTE, SECOND } from "../define.ts";

export default defineProvider({
  name: "azcaptcha",
  title: "AZcaptcha",
  protocol: "legacy",
  defaultBaseUrl: "https://azcaptcha.com",
  defaultCurrency: "USD",
  minPollIntervalMs: 30 * SECOND,
  defaultPollIntervalMs: 1 * MINUTE,
  intervalReason: "no documented limit; 30 s as for Anti-Captcha",
  banCooldownMs: 10 * MINUTE,
  errorCodes: {
    ERROR_WRONG_USER_KEY: "auth",
    ERROR_KEY_DOES_NOT_EXIST: "auth",
    ERROR_ZERO_BALANCE: "no_funds",
  },
  prices: {},
  docs: [
    { source: "github.com/AZcaptcha/WebService-AZCaptcha, lib/WebService/AZCaptcha.pm (getbalance → res.php?action=getbalance)", checked: "2026-12-01" },
    { source: "azcaptcha.com/document (2Captcha-compatible res.php API)", checked: "2026-12-01" },
  ],
  simulator: { badKeyCode: "ERROR_KEY_DOES_NOT_EXIST", banCode: "IP_BANNED" },
});
