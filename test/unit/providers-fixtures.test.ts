/**
 * Every recorded response body (test/fixtures/responses) through the provider parsers: what each shape
 * means for the operator. The file name carries the HTTP status.
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseClientKeyBalance } from "../../core/providers/client-key.ts";
import { parseLegacyBalance } from "../../core/providers/legacy.ts";
import { transportFailure } from "../../core/providers/parse.ts";
import type { BalanceResult } from "../../core/providers/types.ts";
import type { FailureReason } from "../../core/reasons.ts";

const DIR = fileURLToPath(new URL("../fixtures/responses/", import.meta.url));
const spec = { defaultCurrency: "USD", banCooldownMs: 600_000 };

type Expect = { balance: number } | FailureReason;
const EXPECTED: Record<string, Expect> = {
  "legacy-json-success": { balance: 12.3456 },
  "legacy-plain-success": { balance: 12.3456 },
  "legacy-rucaptcha-json-success": { balance: 1500.5 },
  "legacy-rucaptcha-plain-success": { balance: 1500.5 },
  "legacy-json-wrong-user-key": "auth",
  "legacy-plain-wrong-user-key": "auth",
  "legacy-json-key-does-not-exist": "auth",
  "legacy-plain-key-does-not-exist": "auth",
  "legacy-json-zero-balance": "no_funds",
  "legacy-plain-zero-balance": "no_funds",
  "legacy-json-ip-banned": "banned",
  "legacy-plain-ip-banned": "banned",
  "legacy-json-server-error": "upstream",
  "legacy-plain-internal-server-error": "upstream",
  "legacy-plain-no-slot-available": "upstream",
  "legacy-plain-too-much-requests": "rate_limited",
  "legacy-plain-ip-not-allowed": "auth",
  "legacy-plain-max-user-turn": "rate_limited",
  "legacy-json-2captcha-quota-1005": "rate_limited",
  "legacy-plain-2captcha-quota-1005": "rate_limited",
  "legacy-json-non-numeric": "malformed",
  "legacy-plain-non-numeric": "malformed",
  "legacy-json-truncated": "malformed",
  "2captcha-v2-success": { balance: 7.5 },
  "anti-captcha-success": { balance: 12.3456 },
  "capsolver-success": { balance: 1.23 },
  "capmonster-success": { balance: 345.678 },
  "anti-captcha-key-does-not-exist": "auth",
  "anti-captcha-zero-balance": "no_funds",
  "anti-captcha-ip-blocked": "banned",
  "2captcha-v2-key-does-not-exist": "auth",
  "2captcha-v2-no-slot-available": "upstream",
  "2captcha-v2-ip-not-allowed": "auth",
  "capsolver-bad-key": "auth",
  "capsolver-zero-balance": "no_funds",
  "capsolver-rate-limit": "rate_limited",
  "capsolver-service-unavailable": "upstream",
  "capsolver-ip-banned": "banned",
  "capsolver-key-temp-blocked": "banned",
  "capmonster-key-does-not-exist": "auth",
  "capmonster-ip-banned": "banned",
  "capmonster-too-much-requests": "rate_limited",
  "client-key-invalid-request-body": "auth",
  "client-key-balance-nan": "malformed",
  "client-key-balance-null": "malformed",
  "client-key-truncated": "malformed",
  "html-bad-gateway": "upstream",
  "html-internal-server-error": "upstream",
  "html-service-unavailable": "upstream",
  "rate-limited": "rate_limited",
  garbage: "malformed",
  empty: "malformed",
};

const files = readdirSync(DIR).filter((f) => /\.\d{3}\.(json|txt|html)$/.test(f));

function parse(file: string, body: string, status: number): BalanceResult[] {
  const headers = file.startsWith("rate-limited") ? { "retry-after": "30" } : {};
  const early = transportFailure({ kind: "response", status, headers, body, truncated: false });
  if (early) return [early];
  const legacy = file.startsWith("legacy-");
  const clientKey = /^(client-key|2captcha-v2|anti-captcha|capsolver|capmonster)-/.test(file);
  const out: BalanceResult[] = [];
  if (legacy || !clientKey) out.push(parseLegacyBalance({ status, body }, spec));
  if (clientKey || !legacy) out.push(parseClientKeyBalance({ status, body }, spec));
  return out;
}

describe("recorded provider responses", () => {
  it("every recorded file has an expectation here, and every expectation a file", () => {
    expect(files.map((f) => f.replace(/\.\d{3}\.\w+$/, "")).sort()).toEqual(Object.keys(EXPECTED).sort());
  });
  it.each(files)("%s", (file) => {
    const m = /^(.*)\.(\d{3})\.\w+$/.exec(file)!;
    const expected = EXPECTED[m[1]!]!;
    const body = readFileSync(DIR + file, "utf8");
    for (const result of parse(file, body, Number(m[2]))) {
      if (typeof expected === "string") {
        expect(result).toMatchObject({ ok: false, reason: expected });
        if (!result.ok) expect(result.message.length).toBeGreaterThan(10);
      } else {
        expect(result).toEqual({ ok: true, balance: expected.balance, currency: "USD" });
      }
    }
  });
});
