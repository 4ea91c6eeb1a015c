/**
 * The landing page in a real headless Chromium, served by the real exporter polling the real
 * simulator, in each of its states: healthy (a runway of days), low (running out within a day or a
 * week), exhausted (a balance at zero; the provider's no-funds error), failing checks and an unknown
 * runway (a rejected key, a failing provider, a young account that has not spent yet), and many
 * accounts at once. Each test checks the page's DOM (labels, callouts, the projected path) and saves
 * a screenshot in test-artifacts/landing-<state>.png; docs/images/ holds copies of them (see
 * docs/exporter.md, "Landing page").
 *
 * The simulator runs at 600x and the exporter checks every 100 ms, so a few seconds of real time
 * give each chart a history (its time axis is of seconds: the page tells the times as they are).
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator } from "../../simulator/index.ts";
import { eventually, type Harness, newKey, startHarness } from "../integration/exporter-harness.ts";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`SKIPPED landing page tests: ${CHROMIUM} not found (apt-get install -y chromium)`);

const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/", import.meta.url));
const TIME_SCALE = 600;
/** A steady spend of `perRealHour` currency units per real hour at TIME_SCALE. */
const steady = (perRealHour: number) => ({ components: [{ kind: "steady" as const, ratePerHour: perRealHour / TIME_SCALE }] });
const HISTORY = 30;

describe.runIf(!haveChromium)("landing page in Chromium", () => {
  it("needs Chromium", () => {
    expect.fail(`${CHROMIUM} not found: apt-get install -y chromium (.ci/run installs it)`);
  });
});

describe.skipIf(!haveChromium)("landing page in Chromium", () => {
  let browser: Browser;
  const harnesses: Harness[] = [];
  let healthy: Harness;
  let low: Harness;
  let exhausted: Harness;
  let failing: Harness;
  let many: Harness;

  const start = async (o: Parameters<typeof startHarness>[0]) => {
    const h = await startHarness({ timeScale: TIME_SCALE, intervalMs: 100, ...o });
    harnesses.push(h);
    return h;
  };
  const historyOf = (h: Harness, i: number) => h.exporter.pollers[i]!.status.history.length;

  beforeAll(async () => {
    [healthy, low, exhausted, many] = await Promise.all([
      // weeks of runway
      start({
        accounts: [
          { name: "scraping-prod", balance: 1250, decimals: 4, spend: steady(3.6) },
          { name: "monitoring", balance: 310, decimals: 4, spend: steady(1.2) },
        ],
      }),
      // a day or less, and a few days
      start({
        accounts: [
          { name: "scraping-prod", balance: 4.2, decimals: 4, spend: steady(30) },
          { name: "reporting", balance: 120, decimals: 4, spend: steady(1.2) },
        ],
      }),
      // runs dry within 3 s; the other's provider answers balance checks with its no-funds error
      start({
        accounts: [
          { name: "scraping-prod", balance: 1.5, decimals: 4, spend: steady(1800) },
          { name: "reserve", balance: 12 },
          { name: "monitoring", balance: 310, decimals: 4, spend: steady(1.2) },
        ],
      }),
      start({
        accounts: [
          ...Array.from({ length: 9 }, (_, i) => ({ name: `shop-${String(i + 1).padStart(2, "0")}`, balance: 200 + 150 * i, decimals: 4, spend: steady(0.2 + 0.1 * i) })),
          { name: "<b>escaped</b> & co", balance: 140, decimals: 4, spend: steady(0.5) },
          { name: "batch-eu", balance: 0.2, decimals: 4, spend: steady(3600) },
          { name: "batch-us", balance: 3, decimals: 4, spend: steady(20) },
        ],
      }),
    ]);
    exhausted.sim.injectFault({ kind: "error", code: "ERROR_ZERO_BALANCE" }, { key: exhausted.keys[1]! });

    // Failing from the very first check: the faults are in place before the exporter starts.
    const keys = [newKey(), newKey(), newKey(), newKey()];
    const sim = await startSimulator({
      port: 0,
      timeScale: TIME_SCALE,
      accounts: [
        { key: keys[0]!, id: "revoked-key", balance: 10 },
        { key: keys[1]!, id: "flaky-provider", balance: 80, decimals: 4, spend: steady(2) },
        { key: keys[2]!, id: "new-account", balance: 50 },
        { key: keys[3]!, id: "scraping-prod", balance: 1250, decimals: 4, spend: steady(3.6) },
      ],
    });
    sim.injectFault({ kind: "error", code: "ERROR_KEY_DOES_NOT_EXIST" }, { key: keys[0]! });
    failing = await start({
      sim,
      accounts: [
        { key: keys[0]!, name: "revoked-key", balance: 10 },
        { key: keys[1]!, name: "flaky-provider", balance: 80 },
        { key: keys[2]!, name: "new-account", balance: 50 },
        { key: keys[3]!, name: "scraping-prod", balance: 1250 },
      ],
    });
    harnesses.push({ ...failing, close: () => sim.close() });

    for (const h of harnesses) await h.exporter.whenReady().catch(() => undefined);
    // flaky-provider had a few good checks, then its provider fails
    await eventually(() => historyOf(failing, 1) >= 10, "flaky-provider's history", 20_000);
    failing.sim.injectFault({ kind: "error", code: "ERROR_SERVER_ERROR" }, { key: keys[1]! });

    await eventually(
      () =>
        historyOf(healthy, 0) >= HISTORY &&
        historyOf(low, 0) >= HISTORY &&
        historyOf(exhausted, 0) >= HISTORY &&
        historyOf(many, 0) >= HISTORY &&
        exhausted.exporter.pollers[0]!.status.balance === 0 &&
        exhausted.exporter.pollers[1]!.status.lastError?.reason === "no_funds" &&
        failing.exporter.pollers[1]!.status.up === false &&
        failing.exporter.pollers[0]!.status.up === false &&
        healthy.exporter.pollers.every((p) => p.status.estimate.runwaySeconds !== null),
      "every state",
      30_000,
    );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    await mkdir(ARTIFACTS, { recursive: true });
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    for (const h of harnesses.reverse()) await h.close();
  });

  /** Opens the page, fails on any request elsewhere or any console error (a CSP violation is one). */
  async function open(h: Harness, height = 560): Promise<{ page: Page; check(): void }> {
    const page = await browser.newPage({ viewport: { width: 1280, height } });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") errors.push(m.text());
    });
    const res = await page.goto(h.exporter.url);
    expect(res?.status()).toBe(200);
    expect(await page.title()).toBe("captcha-runway exporter");
    return {
      page,
      check() {
        for (const u of requests) expect(u.startsWith(h.exporter.url)).toBe(true);
        expect(errors).toEqual([]);
      },
    };
  }

  async function screenshot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: `${ARTIFACTS}landing-${name}.png`, fullPage: true });
    // the table fits the viewport without horizontal scrolling
    const overflow = await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth");
    expect(overflow as number).toBeLessThanOrEqual(0);
  }

  /** The chart of row `i`: its labels, and whether it draws the projection and the pessimistic path. */
  async function chart(page: Page, i: number) {
    const svg = page.locator("tbody tr").nth(i).locator("svg.chart");
    return {
      labels: await svg.locator("text").allTextContents(),
      title: await svg.locator("title").textContent(),
      desc: (await svg.locator("desc").textContent()) ?? "",
      projection: await svg.locator("line.projection").count(),
      worst: await svg.locator("line.worst").count(),
      history: await svg.locator("polyline.line").count(),
    };
  }

  it("healthy: runways of days, the chart labelled in USD and UTC with the projected path to zero", async () => {
    const { page, check } = await open(healthy);
    const rows = page.locator("tbody tr");
    expect(await rows.count()).toBe(2);
    expect(await page.locator(".callout").count()).toBe(0);
    expect(await page.locator(".badge").count()).toBe(0);
    for (const i of [0, 1]) {
      const runway = (await rows.nth(i).locator("td").nth(2).textContent()) ?? "";
      expect(runway).toMatch(/^\d+ d( \d+ h)?runs out around \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
      expect(await rows.nth(i).locator("td").nth(2).locator(".good").count()).toBe(1);
      const c = await chart(page, i);
      expect(c.title).toBe("Balance history");
      expect(c.history).toBe(1);
      expect(c.projection).toBe(1);
      // value labels with the currency (the scale runs to zero), time labels in UTC
      expect(c.labels.filter((l) => / USD$/.test(l)).length).toBe(2);
      expect(c.labels).toContain("0.00 USD");
      expect(c.labels.some((l) => /^\d\d:\d\d:\d\d UTC$/.test(l))).toBe(true);
      expect(c.labels.some((l) => /^zero [A-Z][a-z]{2} \d+ \d\d:\d\d →$/.test(l))).toBe(true);
      expect(c.desc).toMatch(/^Balance from [\d,.]+ USD at .* UTC to [\d,.]+ USD at .* UTC\. Projected to reach zero around .* UTC/);
    }
    expect(await page.locator("thead").textContent()).toContain("UTC · dashed: projected to zero");
    await screenshot(page, "healthy");
    check();
  });

  it("reloads itself without a script, within the exporter's CSP", async () => {
    const res = await fetch(healthy.exporter.url);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).not.toMatch(/script-src/);
    const html = await res.text();
    expect(html).not.toMatch(/<script/i);
    // checked every 100 ms: the page reloads at its lower bound, 5 s
    expect(html).toContain('<meta http-equiv="refresh" content="5">');
    const { page, check } = await open(healthy);
    const firstAsOf = await page.locator("tbody tr").nth(0).locator("td").nth(4).textContent();
    expect(firstAsOf).toBeTruthy();
    const loads: number[] = [];
    page.on("load", () => loads.push(Date.now()));
    const openedAt = Date.now();
    await eventually(() => loads.length >= 1, "a reload by the meta refresh", 15_000);
    // not before its time (the browser may take a little longer)
    expect(loads[0]! - openedAt).toBeGreaterThanOrEqual(3_500);
    expect(await page.locator("tbody tr").count()).toBe(2);
    check();
  }, 30_000);

  it("low: an account running out within a day and one within a week, called out in words", async () => {
    const { page, check } = await open(low);
    const callout = page.locator(".callout.warn");
    expect(await callout.count()).toBe(1);
    expect(await callout.textContent()).toMatch(/^Runs out within a day: 1 account — scraping-prod\.$/);
    const rows = page.locator("tbody tr");
    expect(await rows.nth(0).locator(".badge").textContent()).toBe("under a day left");
    expect(await rows.nth(1).locator(".badge").textContent()).toBe("under a week left");
    expect(await rows.nth(0).locator("td").nth(2).locator(".bad").count()).toBe(1);
    expect(await rows.nth(1).locator("td").nth(2).locator(".warn").count()).toBe(1);
    // both charts draw the projected path; where it reaches zero is written at its end
    for (const i of [0, 1]) {
      const c = await chart(page, i);
      expect(c.projection).toBe(1);
      expect(c.worst).toBe(1);
      expect(c.labels.some((l) => /^zero [A-Z][a-z]{2} \d+ \d\d:\d\d →$/.test(l))).toBe(true);
    }
    await screenshot(page, "low");
    check();
  });

  it("exhausted: the account at zero and the one the provider refuses for lack of funds, at the top and on their rows", async () => {
    const { page, check } = await open(exhausted);
    const alert = page.locator('.callout.bad[role="alert"]');
    expect(await alert.count()).toBe(1);
    expect(await alert.textContent()).toBe("Out of money: 2 accounts have no balance left — scraping-prod, reserve. Solves fail until they are topped up.");
    // the callout comes before the table
    expect(await page.locator("main > :first-child").getAttribute("class")).toBe("callout bad");
    const rows = page.locator("tbody tr");
    for (const i of [0, 1]) {
      expect(await rows.nth(i).getAttribute("class")).toMatch(/\bexhausted\b/);
      expect(await rows.nth(i).locator(".badge").textContent()).toBe("out of money");
      expect(await rows.nth(i).locator("td").nth(2).locator(".bad").textContent()).toBe("run out");
    }
    expect(await rows.nth(0).locator("td").nth(1).textContent()).toBe("0.00 USD");
    expect(await rows.nth(0).locator("td").nth(2).textContent()).toMatch(/empty since \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(await rows.nth(1).locator("td").nth(2).textContent()).toContain("the provider answers: no funds");
    expect(await rows.nth(1).locator("td").nth(5).textContent()).toMatch(/^no_funds /);
    const dry = await chart(page, 0);
    expect(dry.projection).toBe(0);
    expect(dry.desc).toContain("The balance is exhausted.");
    expect(await rows.nth(2).getAttribute("class")).not.toMatch(/exhausted/);
    await screenshot(page, "exhausted");
    check();
  });

  it("failing: a rejected key and a failing provider called out, a young account's runway unknown", async () => {
    const { page, check } = await open(failing);
    const callout = page.locator(".callout.warn");
    expect(await callout.count()).toBe(1);
    expect(await callout.textContent()).toMatch(/^Balance checks failing: 2 accounts — revoked-key, flaky-provider\. Their balance and runway are not being updated/);
    const rows = page.locator("tbody tr");
    // rejected from the first check: nothing known
    expect(await rows.nth(0).locator(".badge").textContent()).toBe("check failing");
    expect(await rows.nth(0).locator("td").nth(1).textContent()).toBe("unknown");
    expect(await rows.nth(0).locator("td").nth(2).textContent()).toBe("unknown");
    expect(await rows.nth(0).locator("td").nth(5).textContent()).toMatch(/^auth /);
    expect(await rows.nth(0).locator("svg text").allTextContents()).toEqual(["no balance yet"]);
    // good checks, then upstream errors: the last balance and chart stay, marked as failing
    expect(await rows.nth(1).locator(".badge").textContent()).toBe("check failing");
    expect(await rows.nth(1).locator("td").nth(5).textContent()).toMatch(/^upstream /);
    expect((await chart(page, 1)).history).toBe(1);
    // a young account that has spent nothing yet: no runway, no projection
    expect(await rows.nth(2).locator("td").nth(2).textContent()).toBe("no spend yet");
    const young = await chart(page, 2);
    expect(young.projection).toBe(0);
    expect(young.desc).toContain("No projection: the runway is not known yet.");
    expect(await rows.nth(2).locator(".badge").count()).toBe(0);
    await screenshot(page, "failing");
    check();
  });

  it("many accounts: every row, names escaped, callouts naming the accounts, the metrics link", async () => {
    const { page, check } = await open(many, 900);
    const rows = page.locator("tbody tr");
    expect(await rows.count()).toBe(12);
    const names = await page.locator("tbody .name").allTextContents();
    expect(names).toContain("<b>escaped</b> & co");
    expect(await page.locator("tbody b").count()).toBe(0);
    expect(await page.locator(".callout.bad").textContent()).toContain("Out of money: 1 account has no balance left — batch-eu.");
    expect(await page.locator(".callout.warn").textContent()).toContain("Runs out within a day: 1 account — batch-us.");
    expect(await page.locator("caption").textContent()).toMatch(/^12 accounts · as of \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    expect(await page.locator("svg.chart line.projection").count()).toBe(11);
    await page.screenshot({ path: `${ARTIFACTS}landing-many.png` });

    const link = page.locator('a[href="/metrics"]');
    expect(await link.count()).toBe(1);
    await link.click();
    await page.waitForURL(/\/metrics$/);
    expect(await page.content()).toContain("captcha_balance");
    check();
    for (const h of harnesses) for (const k of h.keys) expect(await (await fetch(h.exporter.url)).text()).not.toContain(k);
  });
});
