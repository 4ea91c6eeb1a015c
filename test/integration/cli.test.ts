import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { FailureReason } from "../../core/reasons.ts";
import { type Fault, type Simulator, startSimulator } from "../../simulator/index.ts";
import { runCliProcess } from "../helpers/cli.ts";

const KEY = "c0ffee00c0ffee00c0ffee00c0ffee00";
const CK_KEY = "clientkey-secret-7f3a9b2e41d6c85f";
let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({
    accounts: [
      { key: KEY, balance: 12.3456, flavour: "captchaai", decimals: 4 },
      { key: CK_KEY, balance: 7.5, flavour: "capsolver" },
    ],
    timeScale: 0,
  });
});
afterAll(async () => {
  await sim.close();
});
afterEach(() => {
  sim.clearFaults();
  sim.setBalance(KEY, 12.3456);
});

const env = (key = KEY) => ({ CAPTCHA_API_KEY: key });

function expectNoKey(run: { stdout: string; stderr: string }, key = KEY) {
  expect(run.stdout).not.toContain(key);
  expect(run.stderr).not.toContain(key);
}

describe("captcha-runway balance", () => {
  it("prints the balance and its currency", async () => {
    const run = await runCliProcess(["balance", "--api-url", sim.url], env());
    expect(run).toMatchObject({ code: 0, stdout: "12.3456 USD\n", stderr: "" });
  });
  it("--json prints provider, balance and currency", async () => {
    const run = await runCliProcess(["balance", "--provider", "capsolver", "--api-url", sim.url, "--json"], env(CK_KEY));
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ provider: "capsolver", balance: 7.5, currency: "USD" });
    expectNoKey(run, CK_KEY);
  });
  it("reads the key from --api-key-file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cr-cli-"));
    writeFileSync(join(dir, "key"), `${KEY}\n`);
    const run = await runCliProcess(["balance", "--api-url", sim.url, "--api-key-file", join(dir, "key")], {});
    expect(run).toMatchObject({ code: 0, stdout: "12.3456 USD\n" });
  });

  const cases: Array<[string, Fault, FailureReason]> = [
    ["a rejected key", { kind: "error", code: "ERROR_KEY_DOES_NOT_EXIST" }, "auth"],
    ["a wrong-length key", { kind: "error", code: "ERROR_WRONG_USER_KEY" }, "auth"],
    ["no funds", { kind: "error", code: "ERROR_ZERO_BALANCE" }, "no_funds"],
    ["an IP ban", { kind: "error", code: "IP_BANNED" }, "banned"],
    ["HTTP 429", { kind: "rate-limit", retryAfterSeconds: 120 }, "rate_limited"],
    ["too many requests", { kind: "error", code: "ERROR_TOO_MUCH_REQUESTS" }, "rate_limited"],
    ["a server error", { kind: "error", code: "ERROR_SERVER_ERROR" }, "upstream"],
    ["an HTML 502 page", { kind: "html", status: 502 }, "upstream"],
    ["a hanging server", { kind: "hang" }, "timeout"],
    ["a dropped connection", { kind: "drop" }, "network"],
    ["a truncated body", { kind: "truncated" }, "malformed"],
    ["a garbage body", { kind: "garbage" }, "malformed"],
    ["a non-numeric balance", { kind: "non-numeric" }, "malformed"],
  ];
  it.each(cases)("%s → exit 2, reason %s on stderr, key nowhere", async (_what, fault, reason) => {
    sim.injectFault(fault);
    const run = await runCliProcess(["balance", "--api-url", sim.url, "--retries", "0", "--timeout", "2s", "--json"], env());
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`could not read the balance from captchaai: ${reason}:`);
    expect(JSON.parse(run.stdout)).toMatchObject({ provider: "captchaai", reason });
    expectNoKey(run);
  });
  it("network: nothing listening", async () => {
    const run = await runCliProcess(["balance", "--api-url", "http://127.0.0.1:1", "--retries", "0"], env());
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/network: cannot reach http:\/\/127\.0\.0\.1:1\/res\.php: connection refused/);
    expectNoKey(run);
  });
  it("retries a transient failure and then succeeds", async () => {
    sim.injectFault({ kind: "error", code: "ERROR_SERVER_ERROR" }, { times: 1 });
    const run = await runCliProcess(["balance", "--api-url", sim.url, "--retries", "2"], env());
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("12.3456 USD\n");
    expect(run.stderr).toMatch(/upstream .*retrying in/);
    expectNoKey(run);
  });
  it("never retries a rejected key", async () => {
    sim.resetCounts();
    sim.injectFault({ kind: "error", code: "ERROR_KEY_DOES_NOT_EXIST" });
    const run = await runCliProcess(["balance", "--api-url", sim.url, "--retries", "5"], env());
    expect(run.code).toBe(2);
    expect(sim.requestCount()).toBe(1);
  });
});

describe("captcha-runway check", () => {
  it("exit 0 when covered, with the figures in JSON", async () => {
    const run = await runCliProcess(
      ["check", "--api-url", sim.url, "--batch", "recaptcha_v2=1000,image=500", "--margin", "10%", "--reserve", "2", "--json"],
      env(),
    );
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out).toMatchObject({ balance: 12.3456, currency: "USD", required: 5.85, shortfall: 0, covered: true });
    expect(out.solves_remaining).toMatchObject({ recaptcha_v2: 3448, image: 10345 });
    expectNoKey(run);
  });
  it("exit 1 when not covered, naming the shortfall", async () => {
    sim.setBalance(KEY, 3);
    const run = await runCliProcess(["check", "--api-url", sim.url, "--batch", "recaptcha_v2=1000", "--price", "recaptcha_v2=0.003"], env());
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/required\s+3\.30 USD/);
    expect(run.stdout).toMatch(/NOT covered: 0\.30 USD short/);
  });
  it("exit 2 when the balance cannot be read", async () => {
    sim.injectFault({ kind: "error", code: "ERROR_KEY_DOES_NOT_EXIST" });
    const run = await runCliProcess(["check", "--api-url", sim.url, "--batch", "image=10"], env());
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/could not check the budget.*auth/);
    expectNoKey(run);
  });
  it.each([
    [["--batch", "image=-5"], /count for image: -5 is negative/],
    [["--batch", "image=ten"], /expected a whole number/],
    [["--batch", "funcaptcha=10"], /no price for CAPTCHA type funcaptcha/],
    [["--batch", "image=10", "--margin", "lots"], /safety margin/],
    [["--batch", "image=10", "--reserve", "-1"], /--reserve/],
    [["--batch", "image=10", "--provider", "nope"], /unknown provider "nope"/],
    [["--batch", "image=10", "--api-key-file", "/nonexistent/key"], /cannot read the API key file/],
    [["--batch", "image=10", "--timeout", "soon"], /--timeout/],
    [[], /Missing required argument: batch|Declare the batch/],
    [["--batch", "image=10", "--bogus"], /Unknown argument: bogus/],
  ])("bad input %j → exit 2 with a clear message", async (args, msg) => {
    sim.resetCounts();
    const run = await runCliProcess(["check", "--api-url", sim.url, ...args], env());
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(msg);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expectNoKey(run);
    expect(sim.requestCount()).toBe(0);
  });
  it("refuses to run without a key", async () => {
    const run = await runCliProcess(["balance", "--api-url", sim.url], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no API key: set CAPTCHA_API_KEY/);
  });
  it("unknown command → exit 2", async () => {
    const run = await runCliProcess(["balanse"], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Did you mean balance|Unknown argument/);
  });
});
