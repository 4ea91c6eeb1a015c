import { describe, expect, it } from "vitest";
import { createRedactor, FRAGMENT_LENGTH, REDACTED, redact, secretForms } from "../../core/redact.ts";
import { DEMO_KEY } from "../../simulator/demo.ts";

const KEY = "3fa85f64c8e24d1b9a0e7c6b5d4f2a19";

/** Every run of FRAGMENT_LENGTH characters of the key, in either case. */
function fragmentsIn(text: string, key = KEY): string[] {
  const hay = text.toLowerCase();
  const found: string[] = [];
  for (let i = 0; i + FRAGMENT_LENGTH <= key.length; i++) {
    const f = key.slice(i, i + FRAGMENT_LENGTH).toLowerCase();
    if (hay.includes(f)) found.push(f);
  }
  return found;
}

const pct = (s: string, hex: (h: string) => string = (h) => h) =>
  [...s].map((c) => `%${hex(c.charCodeAt(0).toString(16).padStart(2, "0"))}`).join("");
const uesc = (s: string, hex: (h: string) => string = (h) => h) =>
  [...s].map((c) => `\\u${hex(c.charCodeAt(0).toString(16).padStart(4, "0"))}`).join("");

describe("redact", () => {
  it.each([
    ["as given", `bad key ${KEY} here`],
    ["upper-cased (an error code)", `ERROR_KEY_${KEY.toUpperCase()}`],
    ["in mixed case", `k=${KEY.slice(0, 10).toUpperCase()}${KEY.slice(10)}`],
    ["URL-encoded, lower-case hex", `key=${pct(KEY)}&action=getbalance`],
    ["URL-encoded, upper-case hex", `key=${pct(KEY, (h) => h.toUpperCase())}`],
    ["URL-encoded twice", `u=${pct(KEY).replace(/%/g, "%25")}`],
    ["JSON \\u-escaped (lower hex)", `{"request":"${uesc(KEY)}"}`],
    ["JSON \\u-escaped (upper hex)", `{"request":"${uesc(KEY.toUpperCase(), (h) => h.toUpperCase())}"}`],
    ["escapes mixed within one occurrence", `${KEY.slice(0, 6)}${pct(KEY.slice(6, 9))}${uesc(KEY.slice(9, 12))}${KEY.slice(12)}`],
    ["as HTML character references", [...KEY].map((c) => `&#x${c.charCodeAt(0).toString(16)};`).join("")],
    ["base64 (Basic credentials)", `Authorization: Basic ${Buffer.from(`user:${KEY}`).toString("base64")}`],
    ["base64url at another alignment", Buffer.from(`ab${KEY}!`).toString("base64url")],
  ])("removes the key %s", (_what, text) => {
    const out = redact(text, [KEY]);
    expect(out).toContain(REDACTED);
    expect(fragmentsIn(out)).toEqual([]);
    expect(out.toLowerCase()).not.toContain(pct(KEY).toLowerCase());
  });

  it("removes a key cut at any boundary: no run of 8 of its characters survives", () => {
    for (let cut = FRAGMENT_LENGTH; cut < KEY.length; cut++) {
      for (const text of [`message ending ${KEY.slice(0, cut)}`, `${KEY.slice(KEY.length - cut)} starts it`, `x${KEY.slice(3, 3 + cut)}y`]) {
        const out = redact(text, [KEY]);
        expect(fragmentsIn(out), text).toEqual([]);
      }
    }
  });

  it("keeps ordinary text, short coincidences and low-variety runs intact", () => {
    const text = "the provider answered ERROR_WRONG_USER_KEY at 2026-12-01T00:00:00Z: balance 0.00000000, 100000000";
    expect(redact(text, [KEY])).toBe(text);
    expect(redact(`fragment ${KEY.slice(0, FRAGMENT_LENGTH - 1)}`, [KEY])).toBe(`fragment ${KEY.slice(0, FRAGMENT_LENGTH - 1)}`);
    // the whole of a low-variety secret is still removed
    expect(redact("k=00000000000000000000", ["00000000000000000000"])).toBe(`k=${REDACTED}`);
    expect(redact("balance 0.00000000", ["demo-key-not-a-secret-0000000000"])).toBe("balance 0.00000000");
  });

  it("handles several secrets, secrets with special characters, and ignores too-short ones", () => {
    const password = 'p@ss w/rd"%41';
    const text = `proxy ${encodeURIComponent(password)} ${JSON.stringify(password)} ${password} key ${KEY} ab`;
    const out = redact(text, [KEY, password, "ab"]);
    expect(out).toBe(`proxy ${REDACTED} "${REDACTED}" ${REDACTED} key ${REDACTED} ab`);
    expect(redact(`form p%40ss+w%2Frd%22%2541`, [password])).toBe(`form ${REDACTED}`);
  });

  it("a held redactor takes secrets added later", () => {
    const r = createRedactor();
    expect(r.redact(KEY)).toBe(KEY);
    r.add(KEY);
    r.add(KEY);
    r.add("x");
    expect(r.size).toBe(1);
    expect(r.redact(`a ${KEY.toUpperCase()} b`)).toBe(`a ${REDACTED} b`);
  });
});

describe("the simulator's demo key", () => {
  it("shares no redactable run with the project's own words, so demo logs and messages stay readable", () => {
    // the key the simulator prints and `--demo` uses is a secret to the redactor like any other: a run
    // of it in the project's name turned the default state file into ./[REDACTED]state.json
    const text =
      'captcha-runway exporter: --state.file ./captcha-runway-state.json; msg="demo mode: polling the built-in simulator; no real provider is called" key: the fixed demo key, not a secret; balance 0.00000000';
    expect(redact(text, [DEMO_KEY])).toBe(text);
    expect(DEMO_KEY).toHaveLength(32); // res.php refuses other lengths with ERROR_WRONG_USER_KEY
  });
});

describe("many secrets at once", () => {
  it("finds each of 1,000 keys (whole, in part, upper-cased) and short secrets beside them", () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `${i.toString(16).padStart(4, "0")}${KEY.slice(4)}`.split("").reverse().join(""));
    const r = createRedactor([...keys, "pw123"]);
    const k = keys[737]!;
    expect(r.redact(`a ${k} b ${k.slice(3, 20).toUpperCase()} c pw123 d`)).toBe(`a ${REDACTED} b ${REDACTED} c ${REDACTED} d`);
    expect(redact(`x ${keys[5]} ${keys[6]!.slice(0, 9)}`, keys)).toBe(`x ${REDACTED} ${REDACTED}`);
  });
});

describe("secretForms", () => {
  it("lists the exact strings a case-sensitive masker needs", () => {
    const forms = secretForms("Ab c+d/e");
    for (const f of ["Ab c+d/e", "AB C+D/E", "ab c+d/e", "Ab%20c%2Bd%2Fe", "Ab%20c%2bd%2fe", "Ab+c%2Bd%2Fe"]) expect(forms).toContain(f);
    expect(forms).toContain(uesc("ab c+d/e"));
    expect(forms).toContain(Buffer.from("Ab c+d/e").toString("base64"));
    expect(secretForms("abc")).toEqual(["abc"]);
    expect(secretForms("")).toEqual([]);
  });

  it("every listed form is itself redacted", () => {
    for (const f of secretForms(KEY)) expect(redact(`x ${f} y`, [KEY])).not.toContain(f);
  });
});
