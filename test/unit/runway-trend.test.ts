import { describe, expect, it } from "vitest";
import { RunwayEstimator } from "../../core/runway/estimator.ts";
import { projectRunway } from "../../core/runway/project.ts";
import { generateTrace, type Scenario, T0 } from "../helpers/traces.ts";

const HOUR = 3600;
const FLAT = new Float64Array(24).fill(1);

/** Feeds hourly-growing spend (`perDay` compounding) in 5-minute polls for `hours`; returns the estimator and balance. */
function grow(perDay: number, hours: number, balanceLeft: number) {
  const rate = (i: number) => (1 + perDay) ** (i / 24 / 12); // per 5 minutes, unit = 1/12 a unit per hour at start
  let total = 0;
  for (let i = 0; i < hours * 12; i++) total += rate(i) / 12;
  const e = new RunwayEstimator();
  let balance = balanceLeft + total;
  let t = T0;
  e.observe(t, balance);
  for (let i = 0; i < hours * 12; i++) {
    balance -= rate(i) / 12;
    t += 300;
    e.observe(t, Math.round(balance * 1e4) / 1e4);
  }
  return { e, rateNow: (1 + perDay) ** (hours / 24) };
}

/** Hours until `balance` is spent at `rate` units an hour growing by `perDay` a day. */
function integrated(balance: number, rate: number, perDay: number): number {
  const k = Math.log(1 + perDay) / 24;
  return Math.log(1 + (balance * k) / rate) / k;
}

describe("runway estimator: sustained trends", () => {
  it("integrates a growing spend instead of dividing the balance by today's rate", () => {
    const { e, rateNow } = grow(0.3, 4 * 24, 60);
    const est = e.current();
    const truth = integrated(60, rateNow, 0.3);
    expect(est.trendPerDay).toBeGreaterThan(0.2);
    expect(est.trendPerDay).toBeLessThan(0.4);
    expect(Math.abs(est.runwaySeconds! / HOUR / truth - 1)).toBeLessThan(0.1);
    // today's rate alone says at least 10 % longer
    expect((60 / rateNow) / truth).toBeGreaterThan(1.1);
  });

  it("gives a slowly declining spend the credit of its fall", () => {
    const { e, rateNow } = grow(-0.1, 5 * 24, 40);
    const est = e.current();
    expect(est.trendPerDay).toBeLessThan(-0.05);
    expect(est.trendPerDay).toBeGreaterThan(-0.15);
    // projected falling for as long as the fall has been watched (five days), then held
    const k = Math.log(0.9) / 24;
    const spentIn120h = (rateNow * Math.expm1(k * 120)) / k;
    expect(spentIn120h).toBeGreaterThan(40); // so the whole runway is on the falling part
    const truth = integrated(40, rateNow, -0.1);
    expect(Math.abs(est.runwaySeconds! / HOUR / truth - 1)).toBeLessThan(0.1);
    expect(est.runwaySeconds! / HOUR).toBeGreaterThan(1.1 * (40 / rateNow));
  });

  it("is not a trend when spend merely steps up (a quiet weekend before business days)", () => {
    // two days at 0.2/h, then three at 1/h: each half of the window must rise on its own
    const e = new RunwayEstimator();
    let balance = 200;
    let t = T0;
    e.observe(t, balance);
    for (let i = 0; i < 5 * 24 * 12; i++) {
      balance -= (i < 2 * 24 * 12 ? 0.2 : 1) / 12;
      t += 300;
      e.observe(t, Math.round(balance * 1e4) / 1e4);
    }
    expect(e.current().trendPerDay).toBe(0);
  });

  const calm: Scenario[] = ["steady", "diurnal", "batch", "topups", "mixed"];
  for (const scenario of calm) {
    it(`invents no trend in ${scenario} accounts`, () => {
      let rows = 0;
      let trending = 0;
      for (const seed of [1, 2, 3]) {
        const trace = generateTrace({ scenario, seed, days: 8, poll: [30, 300], decimals: 4, gaps: true });
        const e = new RunwayEstimator();
        for (const r of trace.rows) {
          if (e.observe(r.t, r.balance).trendPerDay !== 0) trending++;
          rows++;
        }
      }
      expect(trending / rows).toBeLessThan(0.03);
    });
  }

  for (const scenario of ["growth", "decline"] as const) {
    it(`finds the trend of ${scenario} accounts once two days are known`, () => {
      for (const seed of [1, 2]) {
        const trace = generateTrace({ scenario, seed, days: 8, poll: [60, 60], decimals: 4 });
        const e = new RunwayEstimator();
        let rows = 0;
        let right = 0;
        for (const r of trace.rows) {
          const est = e.observe(r.t, r.balance);
          if (r.t - T0 < 2 * 86_400) continue;
          rows++;
          if (Math.sign(est.trendPerDay) === (scenario === "growth" ? 1 : -1)) right++;
        }
        expect(right / rows).toBeGreaterThan(0.8);
      }
    });
  }
});

describe("projectRunway with a trend", () => {
  it("matches the integral of an exponentially growing rate, then holds the rate at the trend's end", () => {
    const now = T0;
    const perHour = Math.log(1.5) / 24;
    const hours = projectRunway({ balance: 100, now, level: 1 / HOUR, hourShape: FLAT, extraPerSecond: 0, trend: { perHour, until: now + 1000 * HOUR } })! / HOUR;
    expect(Math.abs(hours / integrated(100, 1, 0.5) - 1)).toBeLessThan(0.01);
    // trend for 24 h only: 1.5x reached, then flat
    const spent24 = (1 / perHour) * (1.5 - 1);
    const held = projectRunway({ balance: 100, now, level: 1 / HOUR, hourShape: FLAT, extraPerSecond: 0, trend: { perHour, until: now + 24 * HOUR } })! / HOUR;
    expect(Math.abs(held / (24 + (100 - spent24) / 1.5) - 1)).toBeLessThan(0.01);
  });
});
