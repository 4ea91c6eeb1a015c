import { describe, expect, it } from "vitest";
import { parseClientKeyBalance } from "../../core/providers/client-key.ts";
import { parseLegacyBalance } from "../../core/providers/legacy.ts";
import { transportFailure } from "../../core/providers/parse.ts";
import type { BalanceResult } from "../../core/providers/types.ts";

const spec = { defaultCurrency: "USD", banCooldownMs: 300_000 };

/** A response as the HTTP edge hands it over: transport checks first, then the protocol's parser. */
function legacy(status: number, body: string, headers: Record<string, string> = {}): BalanceResult {
  return (
    transportFailure({ kind: "response", status, headers, body, truncated: false }) ?? parseLegacyBalance({ status, body }, spec)
  );
}
function clientKey(status: number, body: string, headers: Record<string, string> = {}): BalanceResult {
  return (
    transportFailure({ kind: "response", status, headers, body, truncated: false }) ?? parseClientKeyBalance({ status, body }, spec)
  );
}

describe("legacy res.php answers", () => {
  it("reads the JSON success, where the balance is a string", () => {
    expect(legacy(200, '{"status":1,"request":"12.3456"}')).toEqual({ ok: true, balance: 12.3456, currency: "USD" });
  });
  it("reads a plain-text balance", () => {
    expect(legacy(200, "12.3456\n")).toEqual({ ok: true, balance: 12.3456, currency: "USD" });
    expect(legacy(200, "0")).toEqual({ ok: true, balance: 0, currency: "USD" });
  });
  it.each([
    ['{"status":0,"request":"ERROR_KEY_DOES_NOT_EXIST"}', "auth", "ERROR_KEY_DOES_NOT_EXIST"],
    ['{"status":0,"request":"ERROR_WRONG_USER_KEY"}', "auth", "ERROR_WRONG_USER_KEY"],
    ['{"status":0,"request":"ERROR_IP_NOT_ALLOWED"}', "auth", "ERROR_IP_NOT_ALLOWED"],
    ['{"status":0,"request":"ERROR_ZERO_BALANCE"}', "no_funds", "ERROR_ZERO_BALANCE"],
    ['{"status":0,"request":"IP_BANNED"}', "banned", "IP_BANNED"],
    ['{"status":0,"request":"ERROR_TOO_MUCH_REQUESTS"}', "rate_limited", "ERROR_TOO_MUCH_REQUESTS"],
    ['{"status":0,"request":"ERROR_SERVER_ERROR"}', "upstream", "ERROR_SERVER_ERROR"],
    ['{"status":0,"request":"ERROR_INTERNAL_SERVER_ERROR"}', "upstream", "ERROR_INTERNAL_SERVER_ERROR"],
    ['{"status":0,"request":"ERROR_NO_SLOT_AVAILABLE"}', "upstream", "ERROR_NO_SLOT_AVAILABLE"],
    ['{"status":0,"request":"ERROR_SOMETHING_NEW"}', "upstream", "ERROR_SOMETHING_NEW"],
    ["ERROR_KEY_DOES_NOT_EXIST", "auth", "ERROR_KEY_DOES_NOT_EXIST"],
    ["ERROR_ZERO_BALANCE", "no_funds", "ERROR_ZERO_BALANCE"],
    ["IP_BANNED", "banned", "IP_BANNED"],
    ["MAX_USER_TURN", "rate_limited", "MAX_USER_TURN"],
    ["ERROR: 1005", "rate_limited", "ERROR: 1005"],
    ["ERROR: 1004", "banned", "ERROR: 1004"],
  ])("classifies %s as %s", (body, reason, code) => {
    const r = legacy(200, body);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toBe(reason);
      expect(r.code).toBe(code);
      expect(r.message).toContain(code);
    }
  });
  it("gives bans the provider's cool-down", () => {
    const r = legacy(200, '{"status":0,"request":"IP_BANNED"}');
    expect(r.ok === false && r.retryAfterMs).toBe(300_000);
  });
  it("treats HTML 5xx pages as upstream trouble, naming the page", () => {
    const r = legacy(502, "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>");
    expect(r).toMatchObject({ ok: false, reason: "upstream", code: "HTTP_502" });
    expect(r.ok === false && r.message).toContain("502 Bad Gateway");
  });
  it("treats an HTML page with 200 as malformed", () => {
    expect(legacy(200, "<!DOCTYPE html><html><title>Login</title></html>")).toMatchObject({ ok: false, reason: "malformed" });
  });
  it.each([
    ['{"status":1,"request":"abc"}', "not a number"],
    ['{"status":1,"request":"NaN"}', "not a number"],
    ['{"status":1,"request":"Infinity"}', "not a number"],
    ['{"status":1,"request":null}', "not a number"],
    ['{"status":1,"request":"1e999"}', "not a number"],
    ['{"status":1,"request":"1e308"}', "not a number within ±1e12"],
    ['{"status":1,"request":"-1e308"}', "not a number within ±1e12"],
    ['{"status":1,"request":"1000000000000.01"}', "not a number within ±1e12"],
    ["1e308", "expected a balance"],
    ['{"status":1,"requ', "cut off"],
    ["garbage ¯\\_(ツ)_/¯", "expected a balance"],
    ['{"foo":1}', "unexpected JSON"],
    ["", "empty body"],
  ])("never passes on a non-finite balance: %s → malformed", (body, words) => {
    const r = legacy(200, body);
    expect(r).toMatchObject({ ok: false, reason: "malformed" });
    expect(r.ok === false && r.message).toContain(words);
  });
  it("maps HTTP 429 to rate_limited with Retry-After", () => {
    expect(legacy(429, "Too Many Requests", { "retry-after": "7" })).toMatchObject({ ok: false, reason: "rate_limited", retryAfterMs: 7000 });
  });
  it("does not take a plain number from an error status as a balance", () => {
    expect(legacy(500, "12.5")).toMatchObject({ ok: false, reason: "upstream" });
  });
});

describe("client-key getBalance answers", () => {
  it("reads the balance, ignoring extra fields", () => {
    expect(clientKey(200, '{"errorId":0,"balance":12.3456,"captchaCredits":85000}')).toEqual({ ok: true, balance: 12.3456, currency: "USD" });
    expect(clientKey(200, '{"errorId":0,"balance":1.23,"packages":[]}')).toEqual({ ok: true, balance: 1.23, currency: "USD" });
  });
  it.each([
    [200, '{"errorId":1,"errorCode":"ERROR_KEY_DOES_NOT_EXIST","errorDescription":"Account authorization key not found in the system"}', "auth"],
    [401, '{"errorId":1,"errorCode":"ERROR_KEY_DENIED_ACCESS"}', "auth"],
    [400, '{"errorId":1,"errorCode":"ERROR_ZERO_BALANCE"}', "no_funds"],
    [200, '{"errorId":10,"errorCode":"ERROR_ZERO_BALANCE","errorDescription":"zero or negative"}', "no_funds"],
    [200, '{"errorId":21,"errorCode":"ERROR_IP_BLOCKED"}', "banned"],
    [400, '{"errorId":1,"errorCode":"ERROR_IP_BANNED"}', "banned"],
    [400, '{"errorId":1,"errorCode":"ERROR_KEY_TEMP_BLOCKED"}', "banned"],
    [400, '{"errorId":1,"errorCode":"ERROR_RATE_LIMIT"}', "rate_limited"],
    [200, '{"errorId":1,"errorCode":"ERROR_TOO_MUCH_REQUESTS"}', "rate_limited"],
    [400, '{"errorId":1,"errorCode":"ERROR_SERVICE_UNAVALIABLE"}', "upstream"],
    [200, '{"errorId":2,"errorCode":"ERROR_NO_SLOT_AVAILABLE"}', "upstream"],
    [401, '{"errorId":1}', "auth"],
    [503, '{"errorId":1}', "upstream"],
  ])("HTTP %i %s → %s (body parsed whatever the status)", (status, body, reason) => {
    expect(clientKey(status, body)).toMatchObject({ ok: false, reason });
  });
  it("puts the provider's description in the message", () => {
    const r = clientKey(200, '{"errorId":1,"errorCode":"ERROR_KEY_DOES_NOT_EXIST","errorDescription":"Account authorization key not found in the system"}');
    expect(r.ok === false && r.message).toContain("Account authorization key not found");
  });
  it.each([
    '{"errorId":0,"balance":"NaN"}',
    '{"errorId":0,"balance":1e308}',
    '{"errorId":0,"balance":-1e308}',
    '{"errorId":0,"balance":"-2e12"}',
    '{"errorId":0,"balance":null}',
    '{"errorId":0}',
    '{"errorId":0,"balance":"twelve"}',
    '{"errorId":0,"bal',
    "not json",
    "[1,2]",
  ])("malformed: %s", (body) => {
    expect(clientKey(200, body)).toMatchObject({ ok: false, reason: "malformed" });
  });
  it("accepts balances up to ±1e12, small negative ones included", () => {
    expect(clientKey(200, '{"errorId":0,"balance":-3.5}')).toEqual({ ok: true, balance: -3.5, currency: "USD" });
    expect(clientKey(200, '{"errorId":0,"balance":1e12}')).toEqual({ ok: true, balance: 1e12, currency: "USD" });
    expect(legacy(200, '{"status":1,"request":"-1e12"}')).toMatchObject({ ok: true, balance: -1e12 });
  });
  it("accepts a numeric string balance", () => {
    expect(clientKey(200, '{"errorId":0,"balance":"7.5"}')).toEqual({ ok: true, balance: 7.5, currency: "USD" });
  });
  it("HTML error pages are upstream", () => {
    expect(clientKey(503, "<html><title>Service Unavailable</title></html>")).toMatchObject({ ok: false, reason: "upstream" });
  });
});
