/**
 * The action's run() with @actions/core mocked, against the real provider simulator and a fake of the
 * GitHub REST API, both on loopback.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { startSimulator, type Simulator } from "../../simulator/index.ts";
import { type FakeGitHub, startFakeGitHub } from "../helpers/fake-github.ts";

type Call = { fn: string; args: unknown[] };
const state = vi.hoisted(() => ({
  inputs: {} as Record<string, string>,
  outputs: {} as Record<string, string>,
  calls: [] as Call[],
  summary: "",
}));

vi.mock("@actions/core", () => {
  const rec =
    (fn: string, effect?: (...args: unknown[]) => void) =>
    (...args: unknown[]) => {
      state.calls.push({ fn, args });
      effect?.(...args);
    };
  const summary = {
    addRaw(md: string) {
      state.summary += md;
      return summary;
    },
    async write() {
      return summary;
    },
  };
  return {
    getInput: (name: string) => (state.inputs[name] ?? "").trim(),
    setSecret: rec("setSecret"),
    setOutput: rec("setOutput", (k, v) => {
      state.outputs[k as string] = String(v);
    }),
    setFailed: rec("setFailed", () => {
      process.exitCode = 1;
    }),
    error: rec("error"),
    warning: rec("warning"),
    notice: rec("notice"),
    info: rec("info"),
    debug: rec("debug"),
    summary,
  };
});

const { run } = await import("../../action/run.ts");

const KEY = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
const POOR_KEY = "ffffeeeeddddccccbbbbaaaa99998888";
const TOKEN = "ghs_faketoken0000000000000000000000";
let sim: Simulator;
let gh: FakeGitHub;

function callsOf(fn: string): unknown[][] {
  return state.calls.filter((c) => c.fn === fn).map((c) => c.args);
}

function everythingPrinted(): string {
  return JSON.stringify(state.calls.filter((c) => c.fn !== "setSecret")) + state.summary + JSON.stringify(state.outputs);
}

async function runWith(inputs: Record<string, string>): Promise<void> {
  state.outputs = {};
  state.calls = [];
  state.summary = "";
  process.exitCode = undefined;
  state.inputs = { "api-key": KEY, "api-url": sim.url, ...inputs };
  await run({
    env: { GITHUB_STEP_SUMMARY: "/dev/null", GITHUB_REPOSITORY: gh.repository, GITHUB_API_URL: gh.url },
    now: () => new Date("2026-03-01T12:00:00Z"),
  });
}

beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    accounts: [
      { key: KEY, balance: 12.5 },
      { key: POOR_KEY, balance: 1 },
    ],
  });
  gh = await startFakeGitHub({ token: TOKEN });
});

afterAll(async () => {
  await sim.close();
  await gh.close();
});

beforeEach(() => {
  sim.clearFaults();
  sim.resetCounts();
  sim.setBalance(KEY, 12.5);
  process.exitCode = undefined;
});

afterEach(() => {
  // the key is never printed, whatever happened
  expect(everythingPrinted()).not.toContain(KEY);
  expect(everythingPrinted()).not.toContain(TOKEN);
  process.exitCode = undefined;
});

describe("action run: verdicts", () => {
  it("masks the key before anything else", async () => {
    await runWith({ batch: "recaptcha_v2: 1000" });
    expect(state.calls[0]).toEqual({ fn: "setSecret", args: [KEY] });
  });

  it("gates a credits account (NopeCHA): balance in credits, prices declared in credits", async () => {
    await runWith({ provider: "nopecha", batch: "recaptcha_v2: 10", prices: "recaptcha_v2=1" });
    expect(process.exitCode).toBeUndefined();
    expect(state.outputs).toMatchObject({ balance: "12", currency: "credits", required: "11", covered: "true" });
    expect(sim.requestCount(KEY, "nopecha")).toBe(1);
    await runWith({ provider: "nopecha", batch: "recaptcha_v2: 20", prices: "recaptcha_v2=1" });
    expect(process.exitCode).toBe(1);
    expect(state.outputs).toMatchObject({ covered: "false", shortfall: "10" });
    // no built-in price applies to credits: the missing price is named
    await runWith({ provider: "nopecha", batch: "recaptcha_v2: 1" });
    expect(process.exitCode).toBe(1);
    expect(JSON.stringify(callsOf("setFailed"))).toMatch(/no price for CAPTCHA type recaptcha_v2/);
  });

  it("passes when the balance covers the batch, with outputs and a summary table", async () => {
    await runWith({ batch: "recaptcha_v2: 1000\nimage: 500" });
    expect(process.exitCode).toBeUndefined();
    expect(state.outputs).toEqual({
      balance: "12.5",
      currency: "USD",
      required: "3.85",
      shortfall: "0",
      covered: "true",
      "solves-remaining": JSON.stringify({ recaptcha_v2: 4166, recaptcha_v3: 3125, turnstile: 6250, geetest: 4166, image: 12500, bls: 6250 }),
    });
    expect(state.summary).toContain("| Balance | 12.50 USD |");
    expect(state.summary).toContain("| `recaptcha_v2` | 1,000 × 0.003 = 3.00 USD |");
    expect(state.summary).toContain("| `image` | 500 × 0.001 = 0.50 USD |");
    expect(state.summary).toContain("| Safety margin (10%) | 0.35 USD |");
    expect(state.summary).toContain("| **Required** | **3.85 USD** |");
    expect(state.summary).toContain("| Verdict | ✅ covered |");
    expect(state.summary).toContain("| Note | the prices of `recaptcha_v2`, `image` are built-in illustrative figures (CaptchaAI publishes none);");
    expect(callsOf("error")).toEqual([]);
    expect(callsOf("warning")).toEqual([]);
    // prices of one's own: no note
    await runWith({ batch: "recaptcha_v2: 1000\nimage: 500", prices: "recaptcha_v2: 0.002\nimage: 0.001" });
    expect(state.summary).not.toContain("illustrative");
  });

  it("fails the job when short, with a titled error annotation", async () => {
    await runWith({ "batch-size": "10000", "captcha-type": "recaptcha_v2", reserve: "2" });
    expect(process.exitCode).toBe(1);
    expect(state.outputs.covered).toBe("false");
    expect(state.outputs.required).toBe("35");
    expect(state.outputs.shortfall).toBe("22.5");
    expect(callsOf("error")).toEqual([
      [
        "Balance 12.50 USD cannot cover the batch: 35.00 USD required, 22.50 USD short.",
        { title: "CAPTCHA balance too low for the batch" },
      ],
    ]);
    expect(state.summary).toContain("| Reserve | 2.00 USD |");
    expect(state.summary).toContain("| Shortfall | 22.50 USD |");
    expect(state.summary).toContain("❌ short: job failed");
  });

  it("only warns when short in warn mode", async () => {
    await runWith({ batch: "recaptcha_v2=10000", mode: "warn" });
    expect(process.exitCode).toBeUndefined();
    expect(state.outputs.covered).toBe("false");
    expect(callsOf("warning")[0]?.[1]).toEqual({ title: "CAPTCHA balance too low for the batch" });
    expect(callsOf("error")).toEqual([]);
    expect(state.summary).toContain("⚠️ short: warning only (mode: warn)");
  });

  it("applies price overrides and the margin", async () => {
    await runWith({ batch: "hcaptcha: 100", prices: "hcaptcha=0.01", "safety-margin": "0%" });
    expect(state.outputs.required).toBe("1");
    expect(JSON.parse(state.outputs["solves-remaining"]!).hcaptcha).toBe(1250);
  });
});

describe("action run: the balance cannot be read", () => {
  it("fails on a rejected key without retrying it", async () => {
    state.inputs = {};
    await runWith({ "api-key": "00000000000000000000000000000000", batch: "image=1", retries: "5" });
    expect(process.exitCode).toBe(1);
    expect(state.outputs).toEqual({ covered: "false", reason: "auth" });
    expect(sim.requestCount()).toBe(1);
    const [[message, props]] = callsOf("error") as [[string, unknown]];
    expect(props).toEqual({ title: "CAPTCHA balance could not be read (auth)" });
    expect(message).toContain("after 1 attempt:");
    expect(message).toContain("The provider rejected the API key: check the api-key secret");
    expect(state.summary).toContain("❌ not checked: job failed");
  });

  it("retries a transient failure and then passes", async () => {
    sim.injectFault({ kind: "error", code: "ERROR_SERVER_ERROR" }, { times: 1 });
    await runWith({ batch: "image=1", retries: "2", timeout: "20s" });
    expect(process.exitCode).toBeUndefined();
    expect(state.outputs.covered).toBe("true");
    expect(sim.requestCount()).toBe(2);
    expect(callsOf("info").some(([m]) => /Attempt 1 failed \(upstream: .*\); retrying in/.test(String(m)))).toBe(true);
  });

  it.each([
    ["warn", "warning", undefined],
    ["pass", "info", undefined],
    ["fail", "error", 1],
  ])("with on-api-error: %s, a failure to read → %s", async (onApiError, fn, exitCode) => {
    sim.injectFault({ kind: "error", code: "ERROR_ZERO_BALANCE" });
    await runWith({ batch: "image=1", "on-api-error": onApiError });
    expect(process.exitCode).toBe(exitCode);
    expect(state.outputs).toEqual({ covered: "false", reason: "no_funds" });
    expect(callsOf(fn).some(([m]) => String(m).includes("Could not read the captchaai balance"))).toBe(true);
  });
});

describe("action run: bad input", () => {
  it.each([
    [{ batch: "recaptcha_v2 1000" }, /^Input "batch": /],
    [{ batch: "image: -1" }, /^Input "batch": count for image: -1 is negative/],
    [{ batch: "funcaptcha: 10" }, /^Input "prices": no price for CAPTCHA type funcaptcha/],
    [{ batch: "recaptcha-v22: 10" }, /^Input "prices": no price for CAPTCHA type recaptcha_v22 — did you mean recaptcha_v2\? .*the prices input, e\.g\. "recaptcha_v22: 0\.002"/],
    [{ batch: "recaptcha_v2" }, /^Input "batch": "recaptcha_v2" is not of the form TYPE=COUNT \(or TYPE: COUNT\)/],
    [{ batch: "image=1", "safety-margin": "lots" }, /^Input "safety-margin": /],
    [{ batch: "image=1", "batch-size": "1", "captcha-type": "image" }, /not both/],
    [{}, /^Input "batch" is required/],
    [{ batch: "image=1", mode: "loud" }, /^Input "mode": /],
    [{ batch: "image=1", timeout: "forever" }, /^Input "timeout": /],
    [{ batch: "image=1", provider: "rucaptcha" }, /^Input "prices": no price for CAPTCHA type image \(the account's balance is in RUB/],
  ])("%j fails with a message naming the input, before any request, whatever on-api-error says", async (inputs, message) => {
    await runWith({ ...inputs, "on-api-error": "pass" });
    expect(process.exitCode).toBe(1);
    const failed = callsOf("setFailed");
    expect(failed).toHaveLength(1);
    expect(String(failed[0]![0])).toMatch(message);
    expect(sim.requestCount()).toBe(0);
    expect(state.outputs).toEqual({});
  });
});

describe("action run: tracking issue", () => {
  const tracking = { "tracking-issue": "true", "github-token": TOKEN, "tracking-issue-labels": "captcha-runway" };

  it("opens one issue while short, updates it (no duplicate), closes it on recovery", async () => {
    await runWith({ "api-key": POOR_KEY, batch: "recaptcha_v2=1000", ...tracking });
    expect(process.exitCode).toBe(1);
    expect(gh.open()).toHaveLength(1);
    const issue = gh.open()[0]!;
    expect(issue.title).toBe("CAPTCHA balance too low for the batch (captchaai)");
    expect(issue.labels).toEqual(["captcha-runway"]);
    expect(issue.body).toMatch(/<!-- captcha-runway:tracking-issue provider=captchaai account=[0-9a-f]{12} -->/);
    expect(issue.body).toContain("| Shortfall | 2.30 USD |");
    expect(state.summary).toContain(`Tracking issue: #${issue.number} opened.`);

    // the same situation: the body is refreshed, no second issue, no comment
    await runWith({ "api-key": POOR_KEY, batch: "recaptcha_v2=1000", ...tracking });
    expect(gh.open()).toHaveLength(1);
    expect(issue.comments).toEqual([]);

    // the situation changes (the provider fails): a comment
    sim.injectFault({ kind: "html", status: 502 }, { key: POOR_KEY });
    await runWith({ "api-key": POOR_KEY, batch: "recaptcha_v2=1000", retries: "0", ...tracking });
    expect(gh.open()).toHaveLength(1);
    expect(issue.title).toBe("CAPTCHA balance check failing (captchaai: upstream)");
    expect(issue.comments).toHaveLength(1);
    sim.clearFaults();

    // recovered
    sim.setBalance(POOR_KEY, 100);
    await runWith({ "api-key": POOR_KEY, batch: "recaptcha_v2=1000", ...tracking });
    expect(process.exitCode).toBeUndefined();
    expect(gh.open()).toHaveLength(0);
    expect(issue.state).toBe("closed");
    expect(issue.state_reason).toBe("completed");
    expect(issue.comments[1]).toMatch(/^Recovered: the balance of 100.00 USD covers the batch/);
    sim.setBalance(POOR_KEY, 1);
  });

  it("does nothing when covered and no issue is open", async () => {
    const before = gh.requests.length;
    await runWith({ batch: "image=1", ...tracking });
    expect(gh.requests.slice(before).map((r) => r.method)).toEqual(["GET"]);
    expect(gh.open()).toHaveLength(0);
  });

  it("fails the job when GitHub refuses to write the issue", async () => {
    gh.failWrites(403);
    try {
      await runWith({ "api-key": POOR_KEY, batch: "recaptcha_v2=1000", mode: "warn", ...tracking });
    } finally {
      gh.failWrites(0);
    }
    expect(process.exitCode).toBe(1);
    const errors = callsOf("error");
    expect(errors).toHaveLength(1);
    expect(String(errors[0]![0])).toMatch(/tracking issue could not be updated: POST \/repos\/octo\/repo\/issues answered HTTP 403: .*issues: write/);
  });
});
