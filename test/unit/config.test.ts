import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { accountFromEnv, loadConfigFile } from "../../core/config.ts";
import { parseDuration } from "../../core/duration.ts";
import { InputError } from "../../core/errors.ts";

const dir = mkdtempSync(join(tmpdir(), "cr-config-"));
const KEY = "0123456789abcdef0123456789abcdef";
const keyFile = join(dir, "key");
writeFileSync(keyFile, `${KEY}\n`);

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function errorOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).not.toContain(KEY);
    return (err as Error).message;
  }
  throw new Error("expected an InputError");
}

describe("loadConfigFile", () => {
  it("reads accounts with keys from files and the environment", async () => {
    const p = file(
      "ok.yml",
      `accounts:
  - name: scraping
    provider: captchaai
    api_key_file: ${keyFile}
    poll_interval: 2m
    prices: { recaptcha_v2: 0.0025 }
  - name: ru
    provider: rucaptcha
    api_key_env: RU_KEY
    api_url: http://127.0.0.1:9/
`,
    );
    const accounts = await loadConfigFile(p, { RU_KEY: "ru-key-1" });
    expect(accounts).toHaveLength(2);
    expect(accounts[0]).toMatchObject({ name: "scraping", provider: "captchaai", apiKey: KEY, pollIntervalMs: 120_000, currency: "USD" });
    expect(accounts[0]!.prices.recaptcha_v2).toBe(0.0025);
    expect(accounts[0]!.prices.image).toBe(0.001);
    expect(accounts[1]).toMatchObject({ name: "ru", currency: "RUB", apiKey: "ru-key-1", apiUrl: "http://127.0.0.1:9/" });
    expect(accounts[1]!.prices).toEqual({});
  });
  it("with one account named (balance / check --account), reads that account's key alone but checks every account", async () => {
    const p = file(
      "pick.yml",
      `accounts:
  - name: scraping
    provider: captchaai
    api_key_file: ${join(dir, "not-on-this-machine")}
  - name: ru
    provider: rucaptcha
    api_key_env: RU_KEY
`,
    );
    const picked = await loadConfigFile(p, { RU_KEY: "ru-key-1" }, {}, { account: "ru", where: "--account" });
    expect(picked).toEqual([expect.objectContaining({ name: "ru", apiKey: "ru-key-1", currency: "RUB" })]);
    // the named account's own key is still required, and the whole file is still validated
    expect(await errorOf(loadConfigFile(p, {}, {}, { account: "ru", where: "--account" }))).toMatch(/accounts\[1\]\.api_key_env: the environment variable RU_KEY is not set/);
    expect(await errorOf(loadConfigFile(p, { RU_KEY: "ru-key-1" }, {}, { account: "scraping", where: "--account" }))).toMatch(/accounts\[0\]\.api_key_file: cannot read/);
    const broken = file("pick-broken.yml", `accounts:\n  - name: a\n    provider: nope\n    api_key_env: X\n  - name: b\n    provider: captchaai\n    api_key_env: B\n`);
    expect(await errorOf(loadConfigFile(broken, { B: KEY }, {}, { account: "b", where: "--account" }))).toMatch(/accounts\[0\]\.provider: unknown provider "nope"/);
    expect(await errorOf(loadConfigFile(p, {}, {}, { account: "third", where: "--account" }))).toBe(`--account: ${p} has no account "third"; expected one of scraping, ru`);
    // without a choice every key is read, as the exporter needs
    expect(await errorOf(loadConfigFile(p, { RU_KEY: "ru-key-1" }))).toMatch(/accounts\[0\]\.api_key_file: cannot read/);
  });
  it.each([
    ["not: [valid", /not valid YAML at line/],
    ["accounts: []", /non-empty list/],
    ["- a\n- b", /mapping with an "accounts" list/],
    ["accounts:\n  - name: a\n    provider: nope\n    api_key_env: X", /accounts\[0\]\.provider: unknown provider "nope"; expected one of .*captchaai/],
    ["accounts:\n  - name: a\n    provider: captchaai\n    api_key: secret", /literal key is not accepted/],
    ["accounts:\n  - name: a\n    provider: captchaai", /exactly one of api_key_file/],
    ["accounts:\n  - name: a\n    provider: captchaai\n    api_key_env: MISSING_VAR", /MISSING_VAR is not set/],
    ["accounts:\n  - name: a\n    provider: captchaai\n    api_key_file: /nonexistent/key", /cannot read the API key file \/nonexistent\/key \(no such file\)/],
    ["accounts:\n  - name: a\n    provider: captchaai\n    api_key_env: X\n    poll_intervall: 5m", /unknown field "poll_intervall"/],
    ["accounts:\n  - name: a\n    provider: captchaai\n    api_key_env: X\n    poll_interval: soon", /poll_interval: "soon" is not a duration/],
    ["accounts:\n  - name: a\n    provider: captchaai\n    api_key_env: X\n    prices: { image: -1 }", /prices\.image: -1 is not an amount; expected a non-negative number/],
    ["accounts:\n  - name: a\n    provider: captchaai\n    api_key_env: X\n  - name: a\n    provider: captchaai\n    api_key_env: X", /used twice/],
    ["accounts:\n  - name: a\n    provider: captchaai\n    api_key_env: X\n    api_url: ftp://x", /http:\/\/ or https:\/\//],
    ["accounts:\n  - provider: captchaai\n    api_key_env: X", /accounts\[0\]\.name: missing/],
  ])("refuses %j with a message naming the field", async (text, msg) => {
    const p = file("bad.yml", text);
    expect(await errorOf(loadConfigFile(p, { X: "some-key" }))).toMatch(msg);
  });
  it("names an unreadable config file", async () => {
    expect(await errorOf(loadConfigFile(join(dir, "missing.yml")))).toMatch(/cannot read the configuration file .*missing\.yml \(no such file\)/);
  });
  it("refuses an empty key file without quoting anything", async () => {
    const empty = file("empty-key", "\n");
    expect(await errorOf(accountFromEnv({ provider: "captchaai", apiKeyFile: empty, env: {} }))).toMatch(/is empty/);
  });
});

describe("accountFromEnv", () => {
  it("takes the key from CAPTCHA_API_KEY", async () => {
    const a = await accountFromEnv({ provider: "CapMonster", env: { CAPTCHA_API_KEY: ` ${KEY} ` } });
    expect(a).toMatchObject({ name: "capmonster", provider: "capmonster", apiKey: KEY, currency: "USD" });
  });
  it("explains where the key should come from", async () => {
    expect(await errorOf(accountFromEnv({ provider: "captchaai", env: {} }))).toMatch(/CAPTCHA_API_KEY.*--api-key-file/);
  });
  it("refuses unknown providers", async () => {
    expect(await errorOf(accountFromEnv({ provider: "nope-captcha", env: { CAPTCHA_API_KEY: KEY } }))).toMatch(/unknown provider/);
  });
});

describe("parseDuration", () => {
  it.each([
    ["30s", 30_000],
    ["5m", 300_000],
    ["1h30m", 5_400_000],
    ["250ms", 250],
    ["90", 90_000],
  ])("%s", (raw, ms) => expect(parseDuration(raw, "x")).toBe(ms));
  it.each(["", "5 minutes", "m5", "-3s"])("refuses %j", (raw) => expect(() => parseDuration(raw, "x")).toThrow(InputError));
});

describe("proxy_url and ca_file", () => {
  const ca = file(
    "ca.pem",
    // a real (test) CA certificate: createSecureContext must accept it
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=config test CA", "-keyout", join(dir, "ca.key")],
      { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
    ),
  );
  const account = (extra: string) =>
    file(
      `net-${Math.random().toString(36).slice(2)}.yml`,
      `accounts:\n  - name: a\n    provider: captchaai\n    api_key_file: ${keyFile}\n${extra}`,
    );

  it("reads an account's proxy and CA file; the command line's apply only where the account sets none", async () => {
    const [own] = await loadConfigFile(account(`    proxy_url: http://u:pw@proxy.corp:3128\n    ca_file: ${ca}\n`), {}, { proxyUrl: "http://other:8080" });
    expect(own!.network).toEqual({ proxyUrl: "http://u:pw@proxy.corp:3128", caFile: ca });
    const [inherited] = await loadConfigFile(account(""), {}, { proxyUrl: "http://other:8080", caFile: ca });
    expect(inherited!.network).toEqual({ proxyUrl: "http://other:8080", caFile: ca });
    const [none] = await loadConfigFile(account(""), {});
    expect(none!.network).toBeUndefined();
  });

  it("refuses a proxy URL that is not http(s) or has a path, without quoting its credentials", async () => {
    const socks = await errorOf(loadConfigFile(account("    proxy_url: socks5://u:hunter22@proxy.corp:1080\n"), {}));
    expect(socks).toContain("accounts[0].proxy_url");
    expect(socks).toContain("http:// or https://");
    expect(socks).not.toContain("hunter22");
    const path = await errorOf(loadConfigFile(account("    proxy_url: http://u:hunter22@proxy.corp:3128/x\n"), {}));
    expect(path).toContain("has a path");
    expect(path).not.toContain("hunter22");
    expect(await errorOf(loadConfigFile(account("    proxy_url: not a url\n"), {}))).toContain("not a URL");
  });

  it("refuses a CA file that is missing or not PEM", async () => {
    expect(await errorOf(loadConfigFile(account(`    ca_file: ${join(dir, "missing.pem")}\n`), {}))).toContain("cannot read the CA file");
    const junk = file("junk.pem", "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
    expect(await errorOf(loadConfigFile(account(`    ca_file: ${junk}\n`), {}))).toContain("not a valid PEM certificate file");
    expect(await errorOf(loadConfigFile(account(`    ca_file: ${keyFile}\n`), {}))).toContain("no PEM certificate");
  });

  it("takes --proxy.url and --tls.ca-file for a single account", async () => {
    const a = await accountFromEnv({ provider: "captchaai", proxyUrl: "https://proxy.corp:8443", caFile: ca, env: { CAPTCHA_API_KEY: KEY } });
    expect(a.network).toEqual({ proxyUrl: "https://proxy.corp:8443", caFile: ca });
    expect(await errorOf(accountFromEnv({ provider: "captchaai", proxyUrl: "ftp://x", env: { CAPTCHA_API_KEY: KEY } }))).toContain("--proxy.url");
  });
});
