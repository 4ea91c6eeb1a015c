import { describe, expect, it } from "vitest";
import { type Answer, interpretOutcome } from "../../core/providers/parse.ts";
import { parseLegacyBalance } from "../../core/providers/legacy.ts";
import { bound, MAX_MESSAGE_CHARS, sanitise, untrustedText } from "../../core/untrusted-text.ts";

const KEY = "9c1185a5c5e9fc54612808977ee8f548";
const spec = { defaultCurrency: "USD", banCooldownMs: 1000 };
const legacy = (answer: Answer) => parseLegacyBalance(answer, spec);
const answer = (body: string, status = 200) => ({ kind: "response" as const, status, headers: {}, body, truncated: false });

describe("sanitise / bound", () => {
  it("removes control characters, ESC sequences' introducers, C1, bidi and zero-width characters; one space for whitespace", () => {
    expect(sanitise("\u001b[31mred\u0007 \u009b1m x\u202eevil\u202c \u2066iso\u2069 z\u200bw\u00ad \r\n\t end\u0000")).toBe("[31mred 1m xevil iso zw end");
  });

  it("replaces lone surrogates and cuts by code point, never half of a pair", () => {
    expect(sanitise("a\ud800b\udc00c")).toBe("a\ufffdb\ufffdc");
    expect(bound("😀".repeat(10), 5)).toBe(`${"😀".repeat(4)}…`);
    expect(bound("short", 5)).toBe("short");
  });

  it("redacts after removing what could split a key, and before cutting", () => {
    const split = `${KEY.slice(0, 10)}\u200b\u001b${KEY.slice(10)}`;
    expect(untrustedText(`key ${split}`, [KEY])).toBe("key [REDACTED]");
    const late = `${"x".repeat(MAX_MESSAGE_CHARS - 12)} ${KEY}`;
    const out = untrustedText(late, [KEY]);
    expect(out.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    expect(out).not.toContain(KEY.slice(0, 8));
  });
});

describe("interpretOutcome: the edge where provider text enters", () => {
  it("redacts a key echoed in the code before the code is upper-cased, and bounds the code", () => {
    const r = interpretOutcome(answer(JSON.stringify({ status: 0, request: `error_key_${KEY}` })), legacy, KEY);
    expect(r).toMatchObject({ ok: false, reason: "upstream", code: "ERROR_KEY_[REDACTED]", message: "the provider answered ERROR_KEY_[REDACTED]" });
    const huge = interpretOutcome(answer(JSON.stringify({ status: 0, request: `ERROR_${"A".repeat(500_000)}` })), legacy, KEY);
    expect(huge.ok || huge.code!.length).toBeLessThanOrEqual(64);
    expect(huge.ok || huge.message.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
  });

  it("redacts a key quoted late in a body before the excerpt is cut", () => {
    const body = `${"upstream trouble while serving this request for account k="}${KEY} (retry later)`;
    const r = interpretOutcome(answer(body), legacy, KEY);
    expect(r.ok).toBe(false);
    expect(r.ok || r.message).toContain("k=[REDACTED]");
    for (let i = 0; i + 8 <= KEY.length; i++) expect(r.ok || r.message).not.toContain(KEY.slice(i, i + 8));
  });

  it("leaves balances alone", () => {
    expect(interpretOutcome(answer('{"status":1,"request":"0.00000000"}'), legacy, "demo-key-not-a-secret-0000000000")).toEqual({
      ok: true,
      balance: 0,
      currency: "USD",
    });
  });
});

describe("the logger keeps a line one inert line", () => {
  it("escapes control characters in logfmt values and redacts the key in any form", async () => {
    const { createLogger } = await import("../../exporter/logger.ts");
    const lines: string[] = [];
    const log = createLogger({ level: "debug", format: "logfmt", write: (l) => lines.push(l), now: () => new Date(0) });
    log.addSecret(KEY);
    log.warn("x", { err: "a\u001b[2Jb\u0007c\u009bd\te", code: `ERROR_${KEY.toUpperCase()}`, url: `k=${encodeURIComponent(KEY)}` });
    expect(lines).toEqual(['ts=1970-01-01T00:00:00.000Z level=warn msg=x err="a\\u001b[2Jb\\u0007c\\u009bd\\te" code=ERROR_[REDACTED] url="k=[REDACTED]"\n']);
  });
});
