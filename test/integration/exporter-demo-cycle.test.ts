/**
 * The demo keeps going: its account (the simulator's `demo` scenario, as `exporter --demo` runs it)
 * runs dry, stays at zero for a while, is topped up and runs dry again. Here at 60 times the demo's
 * own speed: what takes minutes in the demo takes seconds. The landing page calls the account out
 * while it is empty and stops once it is topped up; the metrics count the top-up as a deposit.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scenario } from "../../simulator/index.ts";
import { eventually, type Harness, sample, scrape, startHarness } from "./exporter-harness.ts";

const demo = scenario("demo", 3, Date.now());
const SPEEDUP = 60;

describe("the demo account runs dry, is topped up, and runs dry again", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ timeScale: demo.timeScale * SPEEDUP, intervalMs: 100, accounts: [{ name: "demo", balance: demo.balance, decimals: 4, spend: demo.process }] });
    await h.exporter.whenReady();
  });
  afterAll(async () => {
    await h?.close();
  });

  const balance = async () => sample((await scrape(h.exporter.metricsUrl)).body, "captcha_balance", { account: "demo" });
  const page = async () => (await scrape(`${h.exporter.url}/`)).body;

  it("is called out while empty, for several checks, and no longer once topped up", async () => {
    // the demo's ~3 minutes to the first empty balance are ~3 s here
    await eventually(async () => (await balance()) === 0, "the first empty balance", 20_000);
    const emptyAt = Date.now();
    const dry = await page();
    expect(dry).toContain("Out of money: 1 account has no balance left");
    expect(dry).toContain('<tr class="up exhausted">');
    const checksAtEmpty = h.exporter.pollers[0]!.status.checks;

    // 4 simulated hours at zero: 4 s here (the demo's 4 minutes)
    await eventually(async () => ((await balance()) ?? 0) > 0, "the top-up", 20_000);
    const emptyFor = Date.now() - emptyAt;
    expect(emptyFor).toBeGreaterThan(2_500);
    expect(h.exporter.pollers[0]!.status.checks - checksAtEmpty).toBeGreaterThanOrEqual(5);
    const metrics = (await scrape(h.exporter.metricsUrl)).body;
    expect(sample(metrics, "captcha_deposited_total", { account: "demo" })).toBeGreaterThanOrEqual(45);
    await eventually(async () => !(await page()).includes("Out of money"), "the callout gone", 5_000);
    expect(await page()).not.toMatch(/<tr class="[^"]*exhausted/);

    // and it runs dry again: the demo goes on
    await eventually(async () => (await balance()) === 0, "the second empty balance", 30_000);
  }, 70_000);
});
