/**
 * Long waits never hammer the provider. Node fires a timer whose delay exceeds 2^31-1 ms (≈ 24.8
 * days) after 1 ms, so an uncapped Retry-After or poll interval once produced thousands of calls a
 * second. Every count here is the simulator's own: requests that reached it.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../../simulator/index.ts";
import { runCliProcess } from "../helpers/cli.ts";
import { eventually, newKey, startHarness } from "./exporter-harness.ts";

const DAY_MS = 86_400_000;
const YEAR_S = 365 * 86_400;

/** Provider calls an exporter makes within `ms` after its first one. */
async function callsWithin(h: Awaited<ReturnType<typeof startHarness>>, ms: number): Promise<number> {
  await eventually(() => h.sim.requestCount() >= 1, "the first call");
  await new Promise((r) => setTimeout(r, ms));
  return h.sim.requestCount();
}

describe("exporter: a Retry-After far in the future is a ban-like wait, not a flood", () => {
  it.each([
    ["a year in seconds", String(YEAR_S)],
    ["an HTTP date a year ahead", new Date(Date.now() + YEAR_S * 1000).toUTCString()],
    ["more seconds than a double holds", "9".repeat(400)],
  ])("%s: one call, then the ceiling, logged", async (_what, retryAfter) => {
    const h = await startHarness({ accounts: [{ name: "main", balance: 5 }], intervalMs: 200 });
    try {
      h.sim.injectFault({ kind: "rate-limit", retryAfter });
      expect(await callsWithin(h, 1500)).toBe(1);
      const p = h.exporter.pollers[0]!;
      // the next call waits the Retry-After ceiling (1 h), not a year and not 1 ms
      const wait = p.status.nextCheckAtMs! - Date.now();
      expect(wait).toBeGreaterThan(3_500_000);
      expect(wait).toBeLessThanOrEqual(3_600_000);
      expect(h.logs.join("")).toMatch(/level=warn msg="provider asked to wait longer than the Retry-After ceiling; treating it as a ban".*wait_seconds=3600/);
    } finally {
      await h.close();
    }
  });
});

describe("exporter: an interval past Node's timer limit (programmatic use, no config check)", () => {
  it("25 d on a healthy account: one call", async () => {
    const h = await startHarness({ accounts: [{ name: "main", balance: 5 }], intervalMs: 25 * DAY_MS });
    try {
      expect(await callsWithin(h, 1500)).toBe(1);
    } finally {
      await h.close();
    }
  });

  it("30 d on a key the provider rejects: one call", async () => {
    const h = await startHarness({ accounts: [{ name: "main", balance: 5 }], intervalMs: 30 * DAY_MS });
    try {
      h.sim.injectFault({ kind: "error", code: "ERROR_KEY_DOES_NOT_EXIST" });
      expect(await callsWithin(h, 1500)).toBe(1);
    } finally {
      await h.close();
    }
  });
});

describe("configuration refuses intervals above the maximum (exit 2, no call)", () => {
  let sim: Simulator;
  const key = newKey();
  const dir = mkdtempSync(join(tmpdir(), "captcha-runway-timers-"));
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, accounts: [{ key, id: "main", balance: 5 }] });
  });
  afterAll(() => sim.close());

  it("--poll.interval 25d", async () => {
    sim.resetCounts();
    const run = await runCliProcess(
      ["exporter", "--provider", "captchaai", "--api-url", sim.url, "--web.listen-address", "127.0.0.1:0", "--state.file", "", "--poll.interval", "25d"],
      { CAPTCHA_API_KEY: key },
      4000,
    );
    const calls = sim.requestCount();
    expect(run.stderr).toContain("--poll.interval: 25d is longer than the maximum of 1d");
    expect(run.code).toBe(2);
    expect(calls).toBe(0);
  });

  it("poll_interval: 30d in the accounts file, with a key the provider rejects", async () => {
    sim.resetCounts();
    sim.injectFault({ kind: "error", code: "ERROR_WRONG_USER_KEY" });
    const keyFile = join(dir, "key");
    writeFileSync(keyFile, `${key}\n`);
    const config = join(dir, "accounts.yml");
    writeFileSync(config, `accounts:\n  - name: main\n    provider: captchaai\n    api_key_file: ${keyFile}\n    api_url: ${sim.url}\n    poll_interval: 30d\n`);
    try {
      const run = await runCliProcess(["exporter", "--config.file", config, "--web.listen-address", "127.0.0.1:0", "--state.file", ""], {}, 4000);
      const calls = sim.requestCount();
      expect(run.stderr).toContain("accounts[0].poll_interval: 30d is longer than the maximum of 1d");
      expect(run.code).toBe(2);
      expect(calls).toBe(0);
    } finally {
      sim.clearFaults();
    }
  });

  it("--state.write-interval and --timeout have maxima too", async () => {
    const exporter = await runCliProcess(
      ["exporter", "--provider", "captchaai", "--api-url", sim.url, "--web.listen-address", "127.0.0.1:0", "--state.file", join(dir, "state.json"), "--state.write-interval", "30d"],
      { CAPTCHA_API_KEY: key },
      4000,
    );
    expect(exporter.stderr).toContain("--state.write-interval: 30d is longer than the maximum of 1h");
    expect(exporter.code).toBe(2);
    const balance = await runCliProcess(["balance", "--api-url", sim.url, "--timeout", "30d"], { CAPTCHA_API_KEY: key }, 4000);
    expect(balance.stderr).toContain("--timeout: 30d is longer than the maximum of 10m");
    expect(balance.code).toBe(2);
  });
});
