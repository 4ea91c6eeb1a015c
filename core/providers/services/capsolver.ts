/**
 * CapSolver: `POST https://api.capsolver.com/getBalance {"clientKey":KEY}` →
 * `{"errorId":0,"balance":1.23,"packages":[…]}` (USD; docs.capsolver.com/en/guide/api-getbalance). Errors come
 * with HTTP 400, or 401 for a rejected key, and a JSON body (docs.capsolver.com, error codes).
 */
import { defineProvider, MINUTE, SECOND } from "../define.ts";

export default defineProvider({
  name: "capsolver",
  title: "CapSolver",
  protocol: "client-key",
  defaultBaseUrl: "https://api.capsolver.com",
  defaultCurrency: "USD",
  minPollIntervalMs: 30 * SECOND,
  defaultPollIntervalMs: 1 * MINUTE,
  intervalReason: "no documented limit; 30 s as for Anti-Captcha",
  banCooldownMs: 10 * MINUTE,
  errorCodes: {
    ERROR_KEY_DENIED_ACCESS: "auth",
    ERROR_ZERO_BALANCE: "no_funds",
    ERROR_RATE_LIMIT: "rate_limited",
    ERROR_SERVICE_UNAVALIABLE: "upstream", // (sic)
    ERROR_IP_BANNED: "banned",
    ERROR_KEY_TEMP_BLOCKED: "banned",
  },
  prices: {
    recaptcha_v2: { usd: 0.0008, source: "comparison list, $0.80 per 1000", checked: "2025" },
  },
  docs: [
    { source: "docs.capsolver.com/en/guide/api-getbalance", checked: "2026" },
    { source: "docs.capsolver.com/en/guide/api-error (HTTP 400/401 with a JSON body)", checked: "2026" },
  ],
  simulator: {
    badKeyCode: "ERROR_KEY_DENIED_ACCESS",
    banCode: "ERROR_IP_BANNED",
    errorStatus: (code) => (/KEY_(DENIED|DOES_NOT_EXIST)|WRONG_USER_KEY/.test(code) ? 401 : 400),
    successExtras: { packages: [] },
  },
});
