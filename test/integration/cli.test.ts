import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { FailureReason } from "../../core/reasons.ts";
import { type Fault, type Simulator, startSimulator } from "../../simulator/index.ts";
import { formatListenAddress } from "../../exporter/flags.ts";
import { CLI_ENTRY, runCliProcess } from "../helpers/cli.ts";
import { CLI_REASON_HINTS } from "../../cli/reason-hints.ts";

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
    expect(run.stderr).toContain(`\n  hint: ${CLI_REASON_HINTS[reason]}\n`);
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
    expect(run.stderr).toContain("hint: the provider rejected the key: check CAPTCHA_API_KEY or --api-key-file, and --provider");
    expectNoKey(run);
  });
  it.each([
    [["--batch", "image=-5"], /count for image: -5 is negative/],
    [["--batch", "image=ten"], /expected a whole number/],
    [["--batch", "funcaptcha=10"], /no price for CAPTCHA type funcaptcha/],
    [["--batch", "image=10", "--margin", "lots"], /--margin: "lots" is not a percentage; expected a percentage from 0% to 1000%/],
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
    expect(run.stderr).toBe('captcha-runway: unknown command "balanse"; did you mean balance? (commands: balance, check, exporter, replay, simulate)\nRun \'captcha-runway --help\' for usage.\n');
    const far = await runCliProcess(["frobnicate"], {});
    expect(far).toMatchObject({ code: 2, stderr: expect.stringMatching(/^captcha-runway: unknown command "frobnicate"; expected one of balance, check, exporter, replay, simulate\n/) });
    // a misspelt flag is still named as the flag it is
    const flag = await runCliProcess(["balance", "--provder", "x"], {});
    expect(flag).toMatchObject({ code: 2, stderr: expect.stringMatching(/^captcha-runway: Unknown argument: provder \(did you mean --provider\?\)\n/) });
    const far2 = await runCliProcess(["check", "--batch", "image=1", "--marign", "5%", "--frobnicate"], {});
    expect(far2).toMatchObject({ code: 2, stderr: expect.stringMatching(/^captcha-runway: Unknown arguments: marign \(did you mean --margin\?\), frobnicate\n/) });
  });
  it.each([
    [["balance", KEY], /^captcha-runway: a value without a flag \(not shown: it may be a secret\)/],
    [["check", "--batch", "image=1", "--bogus", KEY], /^captcha-runway: Unknown argument: bogus/],
    [["balance", "--provider", "capsolver", KEY, KEY.toUpperCase()], /2 values without a flag/],
    [[KEY], /^captcha-runway: unknown command \(not shown: it does not look like a command and may be a secret\)/],
  ])("%j: a key pasted without its flag is not echoed", async (args, msg) => {
    sim.resetCounts();
    const run = await runCliProcess(args, {});
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(msg);
    expectNoKey(run);
    expect(sim.requestCount()).toBe(0);
  });
});

describe("usage as a newcomer meets it", () => {
  it("without a command: what is expected, and the --help hint once", async () => {
    const run = await runCliProcess([], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no command given; expected one of balance, check, exporter, replay, simulate/);
    expect(run.stderr.split("--help").length - 1).toBe(1);
  });

  it.each([
    [["balance", "--api-key", KEY]],
    [["check", "--batch", "image=1", `--api-key=${KEY}`]],
    [["exporter", "--provider", "capsolver", "--apiKey", KEY]],
    [["simulate", "--api_key", KEY]],
  ])("%j: a key on the command line is refused, exit 2, the key not echoed", async (args) => {
    sim.resetCounts();
    const run = await runCliProcess(args[0] === "simulate" ? args : [...args, "--api-url", sim.url], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("keys are read from CAPTCHA_API_KEY or --api-key-file, never the command line");
    expectNoKey(run);
    expect(sim.requestCount()).toBe(0);
  });

  it.each([
    [["check", "--batch", "image=1", "--margin", "-5%"], /^captcha-runway: --margin: "-5%" is negative; expected a percentage from 0% to 1000%, e\.g\. 10%\n$/],
    [["check", "--batch", "image=1", "--margin"], /--margin: needs a value/],
    [["check", "--batch", "image=1", "--retries", "abc"], /^captcha-runway: --retries: "abc" is not a whole number; expected a whole number of retries from 0 to 10\n$/],
    [["balance", "--retries", "-1"], /--retries: -1 is negative; expected a whole number of retries from 0 to 10/],
    [["balance", "--timeout", "-5s"], /--timeout: "-5s" is not a duration/],
    [["check", "--batch", "image=1", "--reserve", "-5"], /--reserve: "-5" is not an amount; expected a non-negative number/],
    [["simulate", "--port", "abc"], /--port: "abc" is not a whole number; expected a port number from 0 to 65535/],
    [["simulate", "--port", "-1"], /--port: -1 is negative; expected a port number/],
    [["simulate", "--seed", "x"], /--seed: "x" is not a whole number/],
    [["simulate", "--time-scale", "-2"], /--time-scale: -2 is negative; expected simulated seconds per real second/],
    [["simulate", "--decimals", "1.5"], /--decimals: "1.5" is not a whole number; expected a whole number of decimal places from 0 to 8/],
    [["simulate", "--balance", "-5"], /--balance: "-5" is not an amount/],
    [["simulate", "--status-interval", "soon"], /--status-interval: "soon" is not a number; expected seconds/],
    [["exporter", "--provider", "capsolver", "--poll.interval", "-5m"], /--poll\.interval: "-5m" is not a duration/],
    [["exporter", "--config.file", "accounts.yml", "--total-shards", "-3"], /--total-shards: -3 is negative; expected a whole number of shards from 1 to 1000/],
  ])("%j: the flag and the expected form, not yargs' parse", async (args, msg) => {
    const run = await runCliProcess(args, env(), 10_000);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(msg);
    expect(run.stderr).not.toMatch(/Unknown argument|NaN|\n\s+at /);
  });

  it("a misspelt CAPTCHA type: did you mean, and --price for a type without a price", async () => {
    sim.resetCounts();
    const run = await runCliProcess(["check", "--api-url", sim.url, "--batch", "recaptcha_v22=10"], env());
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no price for CAPTCHA type recaptcha_v22 — did you mean recaptcha_v2\?/);
    expect(run.stderr).toMatch(/--price recaptcha_v22=AMOUNT/);
    expect(sim.requestCount()).toBe(0);
  });

  it("the batch's shape error says TYPE=COUNT", async () => {
    const run = await runCliProcess(["check", "--api-url", sim.url, "--batch", "recaptcha_v2"], env());
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--batch: "recaptcha_v2" is not of the form TYPE=COUNT \(or TYPE: COUNT\), e\.g\. recaptcha_v2=1000/);
  });

  it("check's text report: solves remaining, and CaptchaAI's built-in prices called illustrative", async () => {
    const run = await runCliProcess(["check", "--api-url", sim.url, "--batch", "recaptcha_v2=1000,image=500", "--reserve", "2"], env());
    expect(run.code).toBe(0);
    // (12.3456 - 2) / 0.003 and / 0.001, each type alone
    expect(run.stdout).toMatch(/solves remaining\s+recaptcha_v2 3448, image 10345\n/);
    expect(run.stdout).toMatch(/the prices of recaptcha_v2, image are built-in illustrative figures \(CaptchaAI publishes no price per solve for them\)/);
    expect(run.stdout).toMatch(/declare your own with --price recaptcha_v2=AMOUNT,image=AMOUNT for a verdict/);
    expect(run.stdout).toMatch(/^balance\s+12\.3456 USD$/m);

    const own = await runCliProcess(["check", "--api-url", sim.url, "--batch", "recaptcha_v2=1000", "--price", "recaptcha_v2=0.002"], env());
    expect(own.code).toBe(0);
    expect(own.stdout).not.toMatch(/illustrative/);
    expect(own.stdout).toMatch(/recaptcha_v2\s+1000 × 0\.002 = 2\.00 USD/);
  });

  it("balance --config.file F --account NAME needs that account's key only, as docs/cli.md's ru-team example does", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cr-cli-pick-"));
    const accounts = join(dir, "accounts.yml");
    writeFileSync(
      accounts,
      `accounts:\n  - name: scraping\n    provider: captchaai\n    api_key_file: ${join(dir, "absent")}\n    api_url: ${sim.url}\n  - name: ru-team\n    provider: captchaai\n    api_key_env: RUCAPTCHA_KEY\n    api_url: ${sim.url}\n`,
    );
    const named = await runCliProcess(["balance", "--config.file", accounts, "--account", "ru-team"], { RUCAPTCHA_KEY: KEY });
    expect(named).toMatchObject({ code: 0, stdout: "12.3456 USD\n" });
    const other = await runCliProcess(["balance", "--config.file", accounts, "--account", "scraping"], { RUCAPTCHA_KEY: KEY });
    expect(other.code).toBe(2);
    expect(other.stderr).toContain(`accounts[0].api_key_file: cannot read the API key file ${join(dir, "absent")} (no such file)`);
  });

  it("check's text report is the one docs/cli.md shows for its command", async () => {
    const doc = readFileSync(join(import.meta.dirname, "../../docs/cli.md"), "utf8");
    const section = doc.slice(doc.indexOf("## `captcha-runway check`"));
    const command = /`CAPTCHA_API_KEY=… npx captcha-runway (check [^`]+)`/.exec(section)![1]!.split(" ");
    const shown = /```text\n([\s\S]*?)```/.exec(section)![1]!;
    const run = await runCliProcess([...command, "--api-url", sim.url], env());
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(shown);
  });
});

describe("files, ports and addresses, as a newcomer meets them", () => {
  it("replay --help describes the CSV, and its example replays to the output it shows", async () => {
    const help = await runCliProcess(["replay", "--help"], {});
    expect(help.code).toBe(0);
    for (const part of ["header", "timestamp", "unix seconds", "ISO 8601", "balance", "account's currency", "Output: one JSON line per data row"]) {
      expect(help.stdout).toContain(part);
    }
    const example = /For example:\n((?: {2}.*\n)+)/.exec(help.stdout)![1]!.replace(/^ {2}/gm, "");
    expect(example.split("\n")[0]).toBe("timestamp,balance");
    const shown = /Output: one JSON line per data row, in input order:\n((?: {2}.*\n)+)/.exec(help.stdout)![1]!.replace(/\n\s*/g, "").trim();
    const dir = mkdtempSync(join(tmpdir(), "cr-replay-"));
    writeFileSync(join(dir, "h.csv"), example);
    const run = await runCliProcess(["replay", join(dir, "h.csv")], {});
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split("\n").at(-1)).toBe(shown);
  });

  it.each([
    [["balance", "--config.file", "/nonexistent/accounts.yml"], "cannot read the configuration file /nonexistent/accounts.yml (no such file)"],
    [["check", "--batch", "image=1", "--api-key-file", "/nonexistent/key"], "cannot read the API key file /nonexistent/key (no such file)"],
    [["replay", "/nonexistent/history.csv"], "cannot read /nonexistent/history.csv: no such file"],
    [["exporter", "--config.file", "/nonexistent/accounts.yml"], "cannot read the configuration file /nonexistent/accounts.yml (no such file)"],
    [["exporter", "--demo", "--web.config.file", "/nonexistent/web.yml"], "--web.config.file: cannot read /nonexistent/web.yml (no such file)"],
    [["exporter", "--demo", "--web.listen-address", "127.0.0.1:0", "--state.file", "/nonexistent/dir/state.json"], "cannot create files in /nonexistent/dir (no such directory"],
    [["simulate", "--key-file", "/nonexistent/key"], "cannot read the API key file /nonexistent/key (no such file)"],
  ])("%j: a missing file is a plain sentence naming it, exit 2", async (args, sentence) => {
    const run = await runCliProcess(args, env());
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(sentence);
    expect(run.stderr).not.toMatch(/ENOENT|\n\s+at |Error:/);
  });

  it.each([
    [(port: number) => ["exporter", "--demo", "--state.file", "", "--web.listen-address", `127.0.0.1:${port}`], "--web.listen-address"],
    [(port: number) => ["simulate", "--port", String(port)], "--port"],
  ])("a busy port is a plain sentence naming the address, exit 2 (%#)", async (args, flag) => {
    const { createServer } = await import("node:net");
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as import("node:net").AddressInfo).port;
    try {
      const run = await runCliProcess(args(port), {});
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`cannot listen on 127.0.0.1:${port}: the address is already in use (another process listens there); stop it or choose another ${flag}`);
      expect(run.stderr).not.toMatch(/EADDRINUSE|\n\s+at /);
    } finally {
      blocker.close();
    }
  });
});

describe("the exporter's log names the address it bound", () => {
  async function listeningLine(listen: string): Promise<string> {
    const { spawn } = await import("node:child_process");
    const child = spawn(process.execPath, [CLI_ENTRY, "exporter", "--demo", "--state.file", "", "--web.listen-address", listen], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    try {
      return await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no 'exporter listening' line within 30 s:\n${stderr}`)), 30_000);
        child.stderr!.on("data", (c) => {
          stderr += c;
          const line = stderr.split("\n").find((l) => l.includes('msg="exporter listening"'));
          if (line) {
            clearTimeout(timer);
            resolve(line);
          }
        });
        child.on("exit", () => reject(new Error(`exited before listening:\n${stderr}`)));
      });
    } finally {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
  }

  it("127.0.0.1:0 is logged as the address and port bound", async () => {
    const line = await listeningLine("127.0.0.1:0");
    const m = / address=127\.0\.0\.1:(\d+) url=http:\/\/127\.0\.0\.1:(\d+) /.exec(line);
    expect(m, line).not.toBeNull();
    expect(m![1]).toBe(m![2]);
    expect(Number(m![1])).toBeGreaterThan(0);
  });

  it("localhost:0 is logged as the address it resolved to, not the name", async () => {
    const line = await listeningLine("localhost:0");
    expect(line).toMatch(/ address=(127\.0\.0\.1|\[::1\]):[1-9]\d* url=http:\/\/localhost:[1-9]\d* /);
  });

  it("every interface is shown as *:PORT (no server is opened on them: the rendering is checked)", () => {
    expect(formatListenAddress({ host: undefined, port: 9877 })).toBe("*:9877");
    expect(formatListenAddress({ host: "::1", port: 9877 })).toBe("[::1]:9877");
    expect(formatListenAddress({ host: "0.0.0.0", port: 9877 })).toBe("0.0.0.0:9877");
  });
});
