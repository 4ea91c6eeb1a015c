/**
 * Runs the committed bundle exactly as the runner does: `node dist/index.js` (Node 24) with INPUT_*
 * variables, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, the provider simulator as the provider and a
 * fake GitHub REST API for the tracking issue. Asserts on the exit code, the output file, the summary
 * and the workflow commands printed; the key must appear only in the ::add-mask:: line.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Fault } from "../../simulator/index.ts";
import { startSimulator, type Simulator } from "../../simulator/index.ts";
import { type BundleRun, runActionBundle } from "../helpers/action-bundle.ts";
import { type FakeGitHub, startFakeGitHub } from "../helpers/fake-github.ts";

const KEY = "5f4dcc3b5aa765d61d8327deb882cf99";
const TOKEN = "ghs_e2e_token_000000000000000000000";

let sim: Simulator;
let gh: FakeGitHub;
let dir: string;
let closedPortUrl: string;

type ActionRun = BundleRun;

async function runAction(inputs: Record<string, string>): Promise<ActionRun> {
  const all: Record<string, string> = { "api-key": KEY, "api-url": sim.url, "github-token": TOKEN, ...inputs };
  const run = await runActionBundle({ dir, inputs: all, github: gh });
  const { stdout, stderr, outputText, summary } = run;
  // The key appears in exactly one place: the ::add-mask:: command, printed before anything else.
  const everything = [stdout, stderr, outputText, summary, JSON.stringify(gh.issues)].join("\n");
  const withKey = everything.split("\n").filter((l) => l.includes(KEY));
  if (all["api-key"] === KEY) {
    expect(withKey).toEqual([`::add-mask::${KEY}`]);
    expect(stdout.split("\n")[0]).toBe(`::add-mask::${KEY}`);
  } else {
    expect(withKey).toEqual([]);
  }
  expect(everything.split("\n").filter((l) => l.includes(TOKEN))).toEqual([`::add-mask::${TOKEN}`]);
  expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  return run;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "captcha-runway-action-e2e-"));
  sim = await startSimulator({ port: 0, accounts: [{ key: KEY, balance: 10 }] });
  gh = await startFakeGitHub({ token: TOKEN });
  // a port with nothing listening: bind, note it, close
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  closedPortUrl = `http://127.0.0.1:${(probe.address() as { port: number }).port}`;
  await new Promise<void>((r) => probe.close(() => r()));
});

afterAll(async () => {
  await sim?.close();
  await gh?.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  sim.clearFaults();
  sim.setBalance(KEY, 10);
});

describe("action bundle (dist/index.js) end to end", () => {
  it("passes when the balance covers the batch", async () => {
    const r = await runAction({ batch: "recaptcha_v2: 1000\nimage: 2000" });
    expect(r.code).toBe(0);
    expect(r.outputs).toEqual({
      balance: "10",
      currency: "USD",
      required: "5.5",
      shortfall: "0",
      covered: "true",
      "solves-remaining": JSON.stringify({ recaptcha_v2: 3333, recaptcha_v3: 2500, turnstile: 5000, geetest: 3333, image: 10000, bls: 5000 }),
    });
    expect(r.summary).toContain("## CAPTCHA balance gate");
    expect(r.summary).toContain("| `recaptcha_v2` | 1,000 × 0.003 = 3.00 USD |");
    expect(r.summary).toContain("| `image` | 2,000 × 0.001 = 2.00 USD |");
    expect(r.summary).toContain("| **Required** | **5.50 USD** |");
    expect(r.summary).toContain("| Verdict | ✅ covered |");
    expect(r.stdout).not.toContain("::error");
    expect(r.stdout).not.toContain("::warning");
  });

  it("uses the declared currency: a RuCaptcha account in RUB needs its own prices, one in USD gets the defaults", async () => {
    const rub = await runAction({ provider: "rucaptcha", batch: "image: 100" });
    expect(rub.code).toBe(1);
    expect(rub.stdout).toMatch(/no price for CAPTCHA type image \(the account's balance is in RUB/);
    const usd = await runAction({ provider: "rucaptcha", currency: "usd", batch: "image: 100" });
    expect(usd.code).toBe(0);
    expect(usd.outputs).toMatchObject({ currency: "USD", required: "0.11", covered: "true" });
  });

  it("fails the job when short, with a titled error annotation", async () => {
    const r = await runAction({ "batch-size": "5000", "captcha-type": "recaptcha_v2", "safety-margin": "20%", reserve: "1" });
    expect(r.code).toBe(1);
    expect(r.outputs).toMatchObject({ covered: "false", required: "19", shortfall: "9" });
    expect(r.stdout).toContain(
      "::error title=CAPTCHA balance too low for the batch::Balance 10.00 USD cannot cover the batch: 19.00 USD required, 9.00 USD short.",
    );
    expect(r.summary).toContain("| Shortfall | 9.00 USD |");
    expect(r.summary).toContain("❌ short: job failed");
  });

  it("warns but passes when short in warn mode", async () => {
    const r = await runAction({ batch: "recaptcha_v2=5000", mode: "warn" });
    expect(r.code).toBe(0);
    expect(r.outputs.covered).toBe("false");
    expect(r.stdout).toContain("::warning title=CAPTCHA balance too low for the batch::");
    expect(r.summary).toContain("⚠️ short: warning only (mode: warn)");
  });

  it("fails closed when the provider is down, and passes only when told to", async () => {
    const down = await runAction({ batch: "image=1", "api-url": closedPortUrl, retries: "0" });
    expect(down.code).toBe(1);
    expect(down.outputs).toEqual({ covered: "false", reason: "network" });
    expect(down.stdout).toContain("::error title=CAPTCHA balance could not be read (network)::");
    const warned = await runAction({ batch: "image=1", "api-url": closedPortUrl, retries: "0", "on-api-error": "warn" });
    expect(warned.code).toBe(0);
    expect(warned.stdout).toContain("::warning title=CAPTCHA balance could not be read (network)::");
    const passed = await runAction({ batch: "image=1", "api-url": closedPortUrl, retries: "0", "on-api-error": "pass" });
    expect(passed.code).toBe(0);
    expect(passed.summary).toContain("➖ not checked: passed (on-api-error: pass)");
  });

  it.each<[string, Fault, string]>([
    ["auth", { kind: "error", code: "ERROR_KEY_DOES_NOT_EXIST" }, "1s"],
    ["no_funds", { kind: "error", code: "ERROR_ZERO_BALANCE" }, "1s"],
    ["banned", { kind: "error", code: "IP_BANNED" }, "1s"],
    ["rate_limited", { kind: "rate-limit", retryAfterSeconds: 30 }, "1s"],
    ["upstream", { kind: "html", status: 502 }, "1s"],
    ["malformed", { kind: "garbage" }, "1s"],
    ["timeout", { kind: "hang" }, "1s"],
    ["network", { kind: "drop" }, "1s"],
  ])("reports the provider failure %s as the reason output", async (reason, fault, timeout) => {
    sim.injectFault(fault);
    const r = await runAction({ batch: "image=1", retries: "0", timeout });
    expect(r.code).toBe(1);
    expect(r.outputs).toEqual({ covered: "false", reason });
    expect(r.stdout).toContain(`::error title=CAPTCHA balance could not be read (${reason})::`);
    expect(r.summary).toContain(`| Reason | \`${reason}\` |`);
  });

  it("does not retry a rejected key, retries a transient failure", async () => {
    sim.resetCounts();
    sim.injectFault({ kind: "error", code: "ERROR_KEY_DOES_NOT_EXIST" });
    const auth = await runAction({ batch: "image=1", retries: "3" });
    expect(auth.outputs.reason).toBe("auth");
    expect(sim.requestCount()).toBe(1);
    sim.clearFaults();
    sim.resetCounts();
    sim.injectFault({ kind: "error", code: "ERROR_SERVER_ERROR" }, { times: 1 });
    const flaky = await runAction({ batch: "image=1", retries: "3", timeout: "20s" });
    expect(flaky.code).toBe(0);
    expect(flaky.outputs.covered).toBe("true");
    expect(sim.requestCount()).toBe(2);
    expect(flaky.stdout).toMatch(/Attempt 1 failed \(upstream: .*\); retrying in \d+\.\d s/);
  });

  it("refuses bad input with a message naming it, whatever on-api-error says", async () => {
    sim.resetCounts();
    const r = await runAction({ batch: "recaptcha_v2: -5", "on-api-error": "pass" });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('::error::Input "batch": count for recaptcha_v2: -5 is negative; expected a whole number of solves, 0 or more');
    expect(r.outputs).toEqual({});
    expect(sim.requestCount()).toBe(0);
    const missing = await runAction({ "api-key": "", batch: "image=1" });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('::error::Input "api-key" is required');
  });

  it("opens one tracking issue while short, not a second, and closes it on recovery", async () => {
    const inputs = { batch: "recaptcha_v2=5000", "tracking-issue": "true", "tracking-issue-labels": "captcha-runway,budget" };
    sim.setBalance(KEY, 2);
    const first = await runAction(inputs);
    expect(first.code).toBe(1);
    expect(gh.open()).toHaveLength(1);
    const issue = gh.open()[0]!;
    expect(issue.labels).toEqual(["captcha-runway", "budget"]);
    expect(issue.body).toContain("| Shortfall | 14.50 USD |");
    expect(issue.body).toContain("by [this run](https://github.example/octo/repo/actions/runs/42)");
    expect(first.summary).toContain(`Tracking issue: #${issue.number} opened.`);

    const second = await runAction(inputs);
    expect(second.code).toBe(1);
    expect(gh.open()).toHaveLength(1);
    expect(second.summary).toContain(`Tracking issue: #${issue.number} updated.`);

    sim.injectFault({ kind: "error", code: "ERROR_KEY_DOES_NOT_EXIST" });
    const failing = await runAction(inputs);
    expect(failing.outputs.reason).toBe("auth");
    expect(gh.open()).toHaveLength(1);
    expect(issue.title).toBe("CAPTCHA balance check failing (captchaai: auth)");
    expect(issue.comments).toHaveLength(1);
    sim.clearFaults();

    sim.setBalance(KEY, 50);
    const recovered = await runAction(inputs);
    expect(recovered.code).toBe(0);
    expect(gh.open()).toHaveLength(0);
    expect(issue.state).toBe("closed");
    expect(issue.comments.at(-1)).toMatch(/^Recovered: the balance of 50.00 USD covers the batch \(16.50 USD required\)/);
    expect(recovered.summary).toContain(`Tracking issue: #${issue.number} closed.`);

    const quiet = await runAction(inputs);
    expect(quiet.code).toBe(0);
    expect(gh.issues).toHaveLength(1);
  });
});
