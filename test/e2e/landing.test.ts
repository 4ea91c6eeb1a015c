/**
 * The landing page in a real headless Chromium: accounts with their balance, runway, spend rate, last
 * check and last error, an inline SVG chart, a link to the metrics, nothing loaded from elsewhere.
 * Saves test-artifacts/landing.png for a human look.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scenario } from "../../simulator/index.ts";
import { eventually, type Harness, startHarness } from "../integration/exporter-harness.ts";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`SKIPPED landing page tests: ${CHROMIUM} not found (apt-get install -y chromium)`);

describe.runIf(!haveChromium)("landing page in Chromium", () => {
  it("needs Chromium", () => {
    expect.fail(`${CHROMIUM} not found: apt-get install -y chromium (.ci/run installs it)`);
  });
});

describe.skipIf(!haveChromium)("landing page in Chromium", () => {
  let h: Harness;
  let browser: Browser;
  const demo = scenario("demo", 7, Date.now());

  beforeAll(async () => {
    h = await startHarness({
      timeScale: 600,
      intervalMs: 100,
      accounts: [
        { name: "scraping-prod", balance: 25, spend: demo.process },
        { name: "<b>escaped</b> & co", balance: 140, spend: { components: [{ kind: "steady", ratePerHour: 0.2 }] } },
        { name: "idle", balance: 3.5 },
        { name: "revoked-key", balance: 10 },
      ],
    });
    await h.exporter.whenReady();
    h.sim.injectFault({ kind: "error", code: "ERROR_KEY_DOES_NOT_EXIST" }, { key: h.keys[3]! });
    // enough history for the charts and a spend estimate
    await eventually(() => h.exporter.pollers[0]!.status.history.length >= 40 && h.exporter.pollers[3]!.status.up === false, "history", 20_000);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it("shows every account, escapes names, links to the metrics, and loads nothing from elsewhere", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 560 } });
    const requests: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    const res = await page.goto(h.exporter.url);
    expect(res?.status()).toBe(200);
    expect(await page.title()).toBe("captcha-runway exporter");

    const rows = page.locator("tbody tr");
    expect(await rows.count()).toBe(4);
    expect(await page.locator(".name").allTextContents()).toEqual(["scraping-prod", "<b>escaped</b> & co", "idle", "revoked-key"]);
    expect(await page.locator("tbody b").count()).toBe(0);

    const first = (await rows.nth(0).textContent()) ?? "";
    expect(first).toMatch(/USD/);
    expect(first).toMatch(/\d+ (d|h|min|s)/); // a runway in human units
    expect(first).toMatch(/\/h|\/day/); // a spend rate
    expect(await rows.nth(2).textContent()).toContain("no spend yet");
    expect(await rows.nth(3).textContent()).toContain("auth");
    expect(await rows.nth(0).locator("svg polyline").count()).toBe(1);

    const link = page.locator('a[href="/metrics"]');
    expect(await link.count()).toBe(1);
    await link.click();
    await page.waitForURL(/\/metrics$/);
    expect(await page.content()).toContain("captcha_balance");

    for (const u of requests) expect(u.startsWith(h.exporter.url)).toBe(true);
    expect(errors).toEqual([]);
    for (const k of h.keys) expect(await (await fetch(h.exporter.url)).text()).not.toContain(k);
  });

  it("looks decent (screenshot in test-artifacts/landing.png)", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 480 } });
    await page.goto(h.exporter.url);
    const dir = fileURLToPath(new URL("../../test-artifacts/", import.meta.url));
    await mkdir(dir, { recursive: true });
    await page.screenshot({ path: `${dir}landing.png`, fullPage: true });
    // the table fits the viewport without horizontal scrolling
    const overflow = await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth");
    expect(overflow as number).toBeLessThanOrEqual(0);
  });
});
