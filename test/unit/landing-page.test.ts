/**
 * The landing page's states as markup (the Chromium test, test/e2e/landing.test.ts, shows them in a
 * browser): the self-refresh, the chart's labels and projection, the exhausted callout.
 */
import { describe, expect, it } from "vitest";
import { balanceChart } from "../../exporter/landing-chart.ts";
import { formatRate, isExhausted, REFRESH_MAX_SECONDS, REFRESH_MIN_SECONDS, refreshSeconds, renderLanding } from "../../exporter/landing.ts";
import { type AccountStatus, uncheckedStatus } from "../../exporter/poller.ts";

const AT = Date.UTC(2026, 11, 1, 21, 0, 0);
const HOUR = 3600;

function status(over: Partial<AccountStatus> = {}): AccountStatus {
  return {
    ...uncheckedStatus({
      labels: { account: "main", provider: "2captcha" },
      intervalMs: 60_000,
      prices: {},
      currency: "USD",
      estimate: { runwaySeconds: 10 * HOUR, runwayLowerBoundSeconds: 6 * HOUR, spendRatePerSecond: 12.5 / 36_000, trendPerDay: 0, spentTotal: 1, depositedTotal: 0 },
    }),
    balance: 12.5,
    valuesCurrent: true,
    checks: 3,
    lastAttemptAtMs: AT,
    lastSuccessAtMs: AT,
    lastCheckDurationSeconds: 0.2,
    up: true,
    history: hourOfHistory(13.75, 12.5),
    ...over,
  };
}

/** A straight line from `from` to `to` over the hour before AT, a point a minute. */
function hourOfHistory(from: number, to: number): { t: number; balance: number }[] {
  return Array.from({ length: 61 }, (_, i) => ({ t: AT / 1000 - HOUR + i * 60, balance: from + ((to - from) * i) / 60 }));
}

const page = (accounts: AccountStatus[], nowMs = AT) => renderLanding({ accounts, telemetryPath: "/metrics", version: "1.0.0", nowMs, demo: false });

describe("self-refresh", () => {
  it("reloads as often as the most frequently checked account, within bounds", () => {
    expect(refreshSeconds([{ intervalMs: 60_000 }, { intervalMs: 30_000 }])).toBe(30);
    expect(refreshSeconds([{ intervalMs: 100 }])).toBe(REFRESH_MIN_SECONDS);
    expect(refreshSeconds([{ intervalMs: 3_600_000 }])).toBe(REFRESH_MAX_SECONDS);
    expect(refreshSeconds([])).toBe(60);
    const html = page([status({ intervalMs: 30_000 })]);
    expect(html).toContain('<meta http-equiv="refresh" content="30">');
    expect(html).toContain("reloads itself every 30 s");
    expect(html).not.toMatch(/<script/i);
  });
});

describe("balance chart", () => {
  it("labels values with the currency and times in UTC, and draws the projected path to zero", () => {
    const svg = balanceChart(hourOfHistory(13.75, 12.5), "USD", { runwaySeconds: 10 * HOUR, lowerBoundSeconds: 6 * HOUR }, "x");
    expect(svg).toContain('aria-labelledby="x-t x-d"');
    expect(svg).toContain('<title id="x-t">Balance history</title>');
    // the scale runs from zero (the projection ends there) to the highest balance, rounded up
    expect(svg).toContain(">13.80 USD</text>"); // 13.75 rounded out to three significant digits
    expect(svg).toContain(">0.00 USD</text>");
    // an hour of history, two more shown of the projection (20:00 to 23:00), the rest off the chart
    expect(svg).toContain(">20:00</text>");
    expect(svg).toContain(">23:00 UTC</text>");
    expect(svg).toContain(">last check</text>");
    expect(svg).toMatch(/class="projection"/);
    expect(svg).toMatch(/class="worst"/);
    expect(svg).toContain("zero Dec 2 07:00 →");
    expect(svg).toContain("Projected to reach zero around 2026-12-02 07:00 UTC, at worst (1 in 10) around 2026-12-02 03:00 UTC.");
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it("ends the chart at zero when the projection fits, and draws none without a runway", () => {
    const near = balanceChart(hourOfHistory(2, 1), "EUR", { runwaySeconds: HOUR, lowerBoundSeconds: null });
    expect(near).toContain(">22:00 UTC</text>");
    expect(near).toContain('class="zero"');
    expect(near).not.toContain('class="worst"');
    expect(near).not.toContain("→");
    const flat = balanceChart(hourOfHistory(5, 5), "USD");
    expect(flat).not.toContain('class="projection"');
    expect(flat).toContain("No projection: the runway is not known yet.");
    expect(flat).toContain(">21:00 UTC</text>");
  });

  it("shows dates when the chart spans days, and an exhausted balance without a projection", () => {
    const days = Array.from({ length: 10 }, (_, i) => ({ t: AT / 1000 - 3 * 86_400 + i * 8 * HOUR, balance: 50 - i }));
    expect(balanceChart(days, "USD", { runwaySeconds: 1000 * HOUR, lowerBoundSeconds: null })).toContain(">Nov 28 21:00</text>");
    const dry = balanceChart([...hourOfHistory(1, 0), { t: AT / 1000 + 60, balance: 0 }], "USD", { runwaySeconds: 0, lowerBoundSeconds: 0 });
    expect(dry).not.toContain('class="projection"');
    expect(dry).toContain("The balance is exhausted.");
  });
});

describe("spend rate", () => {
  it("shows an estimated rate to four significant digits, per hour or per day", () => {
    expect(formatRate(29.745413 / 3600, "USD")).toBe("29.75 USD/h");
    expect(formatRate(1.778313 / 3600, "USD")).toBe("1.778 USD/h");
    expect(formatRate(0.004 / 3600, "USD")).toBe("0.096 USD/day");
    expect(formatRate(0, "USD")).toBe("0.00 USD/day");
  });
});

describe("states", () => {
  it("calls an exhausted account out at the top and on its row", () => {
    const dry = status({
      labels: { account: "scraper", provider: "2captcha" },
      balance: 0,
      estimate: { runwaySeconds: 0, runwayLowerBoundSeconds: 0, spendRatePerSecond: 0.001, trendPerDay: 0, spentTotal: 5, depositedTotal: 0 },
      history: [...hourOfHistory(1, 0.2), { t: AT / 1000 - 120, balance: 0 }, { t: AT / 1000, balance: 0 }],
    });
    expect(isExhausted(dry)).toBe(true);
    const html = page([status(), dry]);
    expect(html).toMatch(/<div class="callout bad" role="alert"><strong>Out of money: 1 account has no balance left<\/strong> — <span class="name">scraper<\/span>/);
    expect(html).toContain('<tr class="up exhausted">');
    expect(html).toContain("out of money</span>");
    expect(html).toContain(">run out</span>");
    expect(html).toContain("empty since <time");
    expect(html).toContain("2026-12-01 20:58 UTC");
  });

  it("counts the provider's no-funds error as exhausted, and names failing checks", () => {
    const noFunds = status({ up: false, lastError: { reason: "no_funds", message: "ERROR_ZERO_BALANCE", atMs: AT } });
    expect(isExhausted(noFunds)).toBe(true);
    const failing = status({ labels: { account: "key-revoked", provider: "2captcha" }, up: false, balance: null, history: [], lastError: { reason: "auth", message: "bad key", atMs: AT } });
    expect(isExhausted(failing)).toBe(false);
    const html = page([noFunds, failing]);
    expect(html).toContain("the provider answers: no funds");
    expect(html).toContain("Balance checks failing: 1 account</strong> — <span class=\"name\">key-revoked</span>");
    expect(html).toContain("check failing</span>");
    expect(html).toContain("no balance yet");
  });

  it("warns of accounts running out within a day or a week, in words", () => {
    const html = page([status(), status({ labels: { account: "weekly", provider: "2captcha" }, estimate: { ...status().estimate, runwaySeconds: 3 * 86_400 } })]);
    expect(html).toContain("Runs out within a day: 1 account</strong> — <span class=\"name\">main</span>");
    expect(html).toContain("under a day left</span>");
    expect(html).toContain("under a week left</span>");
    expect(html).not.toContain('class="callout bad"');
  });

  it("lists at most a few names in a callout", () => {
    const many = Array.from({ length: 12 }, (_, i) => status({ labels: { account: `a${i}`, provider: "x" }, balance: 0 }));
    const html = page(many);
    expect(html).toContain("Out of money: 12 accounts have no balance left");
    expect(html).toContain(", and 4 more.");
    expect(html).toContain("12 accounts · as of 2026-12-01 21:00 UTC");
  });
});
