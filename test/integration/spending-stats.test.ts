/**
 * Anti-Captcha's getSpendingStats against the real simulator over loopback: the simulator's answer
 * (shape, hours, what was spent), the client's reading and classification of it, the estimator
 * warmed from it, and the exporter's one call on a first start, which gives a runway at the first
 * balance check and, when it fails, costs the balance checks nothing.
 */
import { afterEach, describe, expect, it } from "vitest";
import { getProvider } from "../../core/providers/registry.ts";
import { parseSpendingStats } from "../../core/providers/spending-stats.ts";
import { RunwayEstimator } from "../../core/runway/estimator.ts";
import { type Simulator, startSimulator } from "../../simulator/index.ts";
import { eventually, type Harness, newKey, sample, scrape, startHarness } from "./exporter-harness.ts";

const HOUR = 3600;
const antiCaptcha = getProvider("anti-captcha");

let sim: Simulator | null = null;
let harness: Harness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
  await sim?.close();
  sim = null;
});

async function simWith(extra: Partial<Parameters<typeof startSimulator>[0]> = {}, key = newKey()) {
  sim = await startSimulator({
    port: 0,
    accounts: [
      // 1.2 units an hour with 20 % noise per minute (the simulator's "steady" scenario)
      { key, id: "ac", balance: 30, flavour: "anti-captcha", spend: "steady" },
      { key: `${key}-cs`, id: "cs", balance: 30, flavour: "capsolver", spend: "steady" },
    ],
    ...extra,
  });
  return { sim, key };
}

describe("getSpendingStats: the simulator and the client", () => {
  it("answers the 24 completed hours before now, as documented, and is not a balance call", async () => {
    const { sim, key } = await simWith();
    const res = await fetch(`${sim.url}/getSpendingStats`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ clientKey: key }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { errorId: number; data: Record<string, number>[] };
    expect(body.errorId).toBe(0);
    expect(body.data).toHaveLength(24);
    const nowHour = Math.floor(Date.now() / 1000 / HOUR) * HOUR;
    body.data.forEach((r, i) => {
      expect(Object.keys(r).sort()).toEqual(["dateFrom", "dateTill", "money", "volume"]);
      expect(r["dateFrom"]).toBe(nowHour - (24 - i) * HOUR);
      expect(r["dateTill"]).toBe(r["dateFrom"]! + HOUR - 1);
      // the steady scenario: 1.2 an hour, 20 % noise per minute averages out over the hour
      expect(r["money"]).toBeGreaterThan(1.1);
      expect(r["money"]).toBeLessThan(1.3);
      expect(r["volume"]).toBe(Math.round(r["money"]! / 0.003));
    });
    expect(sim.spendingStatsCount()).toBe(1);
    expect(sim.requestCount()).toBe(0);
  });

  it("reads the records through the provider, oldest first, with exclusive ends", async () => {
    const { sim, key } = await simWith();
    const r = await antiCaptcha.getSpendHistory!({ apiKey: key, apiUrl: sim.url, timeoutMs: 2000 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.records).toHaveLength(24);
    for (const rec of r.records) expect(rec.toSec - rec.fromSec).toBe(HOUR);
    expect(r.records[23]!.toSec).toBe(Math.floor(Date.now() / 1000 / HOUR) * HOUR);
  });

  it("classifies failures like a balance call's, and never shows the key", async () => {
    const { sim, key } = await simWith({ spendingStatsError: "ERROR_IP_BLOCKED" });
    const banned = await antiCaptcha.getSpendHistory!({ apiKey: key, apiUrl: sim.url, timeoutMs: 2000 });
    expect(banned).toMatchObject({ ok: false, reason: "banned", code: "ERROR_IP_BLOCKED" });
    const wrong = await antiCaptcha.getSpendHistory!({ apiKey: "0123456789abcdef0123", apiUrl: sim.url, timeoutMs: 2000 });
    expect(wrong).toMatchObject({ ok: false, reason: "auth", code: "ERROR_KEY_DOES_NOT_EXIST" });
    expect(JSON.stringify(wrong)).not.toContain("0123456789abcdef0123");
    // nothing listens: a network failure, classified
    const port = Number(new URL(sim.url).port);
    await sim.close();
    const down = await antiCaptcha.getSpendHistory!({ apiKey: key, apiUrl: `http://127.0.0.1:${port}`, timeoutMs: 2000 });
    expect(down).toMatchObject({ ok: false, reason: "network" });
  });

  it("only providers that document the endpoint have it", () => {
    expect(typeof antiCaptcha.getSpendHistory).toBe("function");
    for (const name of ["capsolver", "capmonster", "2captcha", "captchaai"] as const) {
      expect(getProvider(name).getSpendHistory, name).toBeUndefined();
    }
  });

  it("parses the documented example and refuses what is not one", () => {
    const def = { banCooldownMs: 600_000, errorCodes: {} };
    const doc = `{"errorId":0,"data":[{"dateFrom":1550533500,"dateTill":1550537099,"volume":1899,"money":7.495948},{"dateFrom":1550537100,"dateTill":1550540699,"volume":2217,"money":7.861741}]}`;
    expect(parseSpendingStats({ status: 200, body: doc }, def)).toEqual({
      ok: true,
      records: [
        { fromSec: 1550533500, toSec: 1550537100, spent: 7.495948 },
        { fromSec: 1550537100, toSec: 1550540700, spent: 7.861741 },
      ],
    });
    expect(parseSpendingStats({ status: 200, body: `{"errorId":0,"data":"soon"}` }, def)).toMatchObject({ ok: false, reason: "malformed" });
    expect(parseSpendingStats({ status: 200, body: `{"errorId":0,"data":[{"dateFrom":5,"dateTill":4,"money":1},{"dateFrom":0,"dateTill":99,"money":-1}]}` }, def)).toEqual({
      ok: true,
      records: [],
    });
    expect(parseSpendingStats({ status: 200, body: "not json" }, def)).toMatchObject({ ok: false, reason: "malformed" });
  });
});

describe("the estimator warmed from the spend history", () => {
  it("knows the runway at the first sample", async () => {
    const { sim, key } = await simWith();
    const r = await antiCaptcha.getSpendHistory!({ apiKey: key, apiUrl: sim.url, timeoutMs: 2000 });
    if (!r.ok) throw new Error(r.message);
    const cold = new RunwayEstimator();
    expect(cold.observe(Date.now() / 1000, 30).runwaySeconds).toBeNull();
    const warm = new RunwayEstimator();
    expect(warm.warm(r.records, Date.now() / 1000)).toBe(24);
    const est = warm.observe(Date.now() / 1000, 30);
    // 30 units at 1.2 an hour: 25 h
    expect(est.runwaySeconds! / HOUR).toBeGreaterThan(22);
    expect(est.runwaySeconds! / HOUR).toBeLessThan(28);
    expect(est.runwayLowerBoundSeconds!).toBeLessThan(est.runwaySeconds!);
    // the counters count what the estimator saw, not the provider's history
    expect(est.spentTotal).toBe(0);
  });

  it("ignores records that overlap what it has observed", () => {
    const e = new RunwayEstimator();
    const t0 = 1_767_225_600;
    e.observe(t0, 100);
    e.observe(t0 + 600, 99);
    expect(e.warm([{ fromSec: t0 - HOUR, toSec: t0, spent: 6 }, { fromSec: t0, toSec: t0 + HOUR, spent: 6 }], t0 + 700)).toBe(1);
  });
});

describe("exporter: spend history on a first start", () => {
  it("calls getSpendingStats once and has a runway at the first balance check", async () => {
    const { sim: s, key } = await simWith();
    sim = s;
    harness = await startHarness({ sim: s, accounts: [{ key, name: "ac", balance: 30, flavour: "anti-captcha" }], intervalMs: 5000 });
    await harness.exporter.whenReady();
    const l = { account: "ac", provider: "anti-captcha" };
    const body = await eventually(async () => {
      const b = (await scrape(harness!.exporter.metricsUrl)).body;
      return sample(b, "captcha_runway_seconds", l) !== undefined ? b : null;
    }, "a runway", 3000);
    // the first check (5 s interval: no second one yet) already has a runway of about 25 h
    expect(s.requestCount(key)).toBe(1);
    expect(sample(body, "captcha_runway_seconds", l)! / HOUR).toBeGreaterThan(20);
    expect(s.spendingStatsCount()).toBe(1);
    expect(harness.logs.join("")).toMatch(/runway estimator warmed from the provider's spend history.*hours=24/);
  });

  it("a failing spend history is logged with its reason; balance checks go on", async () => {
    const { sim: s, key } = await simWith({ spendingStatsError: "ERROR_NO_SLOT_AVAILABLE" });
    sim = s;
    harness = await startHarness({ sim: s, accounts: [{ key, name: "ac", balance: 30, flavour: "anti-captcha" }], intervalMs: 200 });
    await harness.exporter.whenReady();
    await eventually(() => s.requestCount(key) >= 3, "three balance checks", 5000);
    const body = (await scrape(harness.exporter.metricsUrl)).body;
    expect(sample(body, "captcha_up", { account: "ac", provider: "anti-captcha" })).toBe(1);
    // not a balance check failure
    expect(sample(body, "captcha_check_errors_total", { account: "ac", provider: "anti-captcha", reason: "upstream" })).toBe(0);
    expect(s.spendingStatsCount()).toBe(1);
    expect(harness.logs.join("")).toMatch(/spend history unavailable.*reason=upstream/);
  });
});
