/**
 * CapMonster Cloud: `POST https://api.capmonster.cloud/getBalance {"clientKey":KEY}` →
 * `{"errorId":0,"balance":345.678}`; 10-minute bans for repeated bad keys or zero-balance requests
 * (docs.capmonster.cloud, "block reason").
 */
import { defineProvider, MINUTE, SECOND } from "../define.ts";

export default defineProvider({
  name: "capmonster",
  title: "CapMonster Cloud",
  protocol: "client-key",
  defaultBaseUrl: "https://api.capmonster.cloud",
  defaultCurrency: "USD",
  minPollIntervalMs: 30 * SECOND,
  defaultPollIntervalMs: 1 * MINUTE,
  intervalReason: "no documented limit; 30 s as for Anti-Captcha",
  banCooldownMs: 10 * MINUTE, // 10-minute bans for repeated bad keys
  errorCodes: {
    ERROR_KEY_DOES_NOT_EXIST: "auth",
    ERROR_ZERO_BALANCE: "no_funds",
    ERROR_IP_BANNED: "banned",
    ERROR_TOO_MUCH_REQUESTS: "rate_limited",
  },
  prices: {
    recaptcha_v2: { usd: 0.0006, source: "comparison list, $0.60 per 1000; official Python client README", checked: "2025" },
    recaptcha_v3: { usd: 0.0009, source: "comparison list, from $0.90 per 1000", checked: "2025" },
  },
  docs: [
    { source: "docs.capmonster.cloud, getBalance", checked: "2026" },
    { source: "docs.capmonster.cloud, block reason (10-minute bans)", checked: "2026" },
  ],
  simulator: { badKeyCode: "ERROR_KEY_DOES_NOT_EXIST", banCode: "ERROR_IP_BANNED" },
});
