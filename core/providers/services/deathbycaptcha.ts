/**
 * DeathByCaptcha: `POST http://api.dbcapi.me/api/user` with the form field `authtoken=KEY` (or username and
 * password, which we do not support: a token is one secret) and `Accept: application/json` →
 * `{"user":ID,"rate":…,"balance":…,"is_banned":false,"status":0}`.
 * Sources: the official OpenAPI description github.com/deathbycaptcha/deathbycaptcha-agent-api-metadata,
 * spec/openapi/http.yaml (`/user`, UserResponse), and the official Python client's docstring
 * (deathbycaptcha.py, get_user(): "balance: your DBC account balance in US cents"; "user: … if login fails,
 * it will be the only item with the value of 0"; it raises AccessDeniedException on HTTP 403). The OpenAPI
 * file calls the balance "dollars", the client "US cents"; cents agree with the published rate (0.139 cents,
 * i.e. $1.39 per 1000), so the balance is divided by 100.
 */
import { defineProvider, MINUTE, SECOND } from "../define.ts";

export default defineProvider({
  name: "deathbycaptcha",
  title: "DeathByCaptcha",
  protocol: "deathbycaptcha",
  defaultBaseUrl: "https://api.dbcapi.me/api",
  defaultCurrency: "USD",
  currencyNote: "reported in US cents",
  balanceDivisor: 100,
  minPollIntervalMs: 30 * SECOND,
  defaultPollIntervalMs: 1 * MINUTE,
  intervalReason: "no documented limit; 30 s as for Anti-Captcha",
  banCooldownMs: 10 * MINUTE,
  errorCodes: {
    ACCESS_DENIED: "auth", // HTTP 403, or "user": 0 (login failed)
    ACCOUNT_BANNED: "auth", // "is_banned": true — the account is suspended: the operator must act
  },
  prices: {},
  docs: [
    { source: "github.com/deathbycaptcha/deathbycaptcha-agent-api-metadata, spec/openapi/http.yaml (POST /user)", checked: "2026-12-01" },
    { source: "DeathByCaptcha official Python client, deathbycaptcha.py get_user() docstring (balance in US cents)", checked: "2026-12-01" },
  ],
  simulator: { badKeyCode: "ACCESS_DENIED", banCode: "ACCOUNT_BANNED", decimals: 4 },
});
