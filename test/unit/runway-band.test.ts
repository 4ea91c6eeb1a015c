import { describe, expect, it } from "vitest";
import { BAND_UNKNOWN_SPREAD, spendSpread, type SpreadInputs } from "../../core/runway/band.ts";
import { RunwayEstimator } from "../../core/runway/estimator.ts";
import { generateTrace, type Scenario, shareBelow } from "../helpers/traces.ts";

function replay(scenario: Scenario, seed: number) {
  const trace = generateTrace({ scenario, seed, days: 8, poll: [30, 300], decimals: 4, gaps: seed % 2 === 0 });
  const e = new RunwayEstimator();
  const est = trace.rows.map((r) => e.observe(r.t, r.balance));
  return { trace, est };
}

const base: SpreadInputs = {
  hours: 48,
  spend: 100,
  hourVar: 4,
  levelObs: 500,
  dayVar: 0.01,
  days: 6,
  trendSe: 0.001,
  trendHours: 96,
};

describe("runway lower bound (the pessimistic runway)", () => {
  it("is never above the median runway, and known exactly when the runway is", () => {
    for (const scenario of ["steady", "diurnal", "batch", "growth"] as const) {
      const { est } = replay(scenario, 3);
      for (const e of est) {
        if (e.runwaySeconds === null) expect(e.runwayLowerBoundSeconds).toBeNull();
        else {
          expect(e.runwayLowerBoundSeconds).not.toBeNull();
          expect(e.runwayLowerBoundSeconds!).toBeLessThanOrEqual(e.runwaySeconds);
          expect(e.runwayLowerBoundSeconds!).toBeGreaterThanOrEqual(0);
        }
      }
    }
  });

  it("is outlived in about nine rows in ten where spend is bursty", () => {
    for (const scenario of ["batch", "mixed"] as const) {
      let below = 0;
      let rows = 0;
      for (const seed of [1, 2, 3, 4]) {
        const { trace, est } = replay(scenario, seed);
        const s = shareBelow(
          trace.rows,
          est.map((e) => e.runwayLowerBoundSeconds),
        );
        below += s.below;
        rows += s.rows;
      }
      expect(rows).toBeGreaterThan(1000);
      expect(below / rows).toBeGreaterThan(0.03);
      expect(below / rows).toBeLessThan(0.25);
    }
  });

  it("is outlived in about nine rows in ten on business hours with quiet weekends (a lull may end early)", () => {
    // a weekend is a lull projected for twice as long as it has lasted: its median. The bound lets
    // it end sooner (at its 18 % quantile, with the spend raised by BAND_Z / sqrt 2): taking the
    // median lull's length as certain left the truth below the bound in 15 % of these rows
    let below = 0;
    let rows = 0;
    for (const seed of [1, 2, 3, 4]) {
      const { trace, est } = replay("diurnal", seed);
      const s = shareBelow(
        trace.rows,
        est.map((e) => e.runwayLowerBoundSeconds),
      );
      below += s.below;
      rows += s.rows;
    }
    expect(rows).toBeGreaterThan(1000);
    expect(below / rows).toBeGreaterThan(0.04);
    expect(below / rows).toBeLessThan(0.12);
  });

  it("stays within a useful distance of the median for a steady account", () => {
    const { est } = replay("steady", 1);
    const last = est[Math.floor(est.length * 0.6)]!;
    expect(last.runwayLowerBoundSeconds! / last.runwaySeconds!).toBeGreaterThan(0.6);
    expect(last.runwayLowerBoundSeconds! / last.runwaySeconds!).toBeLessThan(1);
  });

  it("widens with hourly noise, an unsure trend and a young account; narrows as days are measured", () => {
    const s = spendSpread(base);
    expect(spendSpread({ ...base, hourVar: 40 })).toBeGreaterThan(s);
    expect(spendSpread({ ...base, trendSe: 0.01 })).toBeGreaterThan(s);
    expect(spendSpread({ ...base, days: 2 })).toBeGreaterThan(s);
    expect(spendSpread({ ...base, dayVar: Number.NaN, days: 0 })).toBeGreaterThan(s);
    // unknown hourly noise (under a day of history) counts as BAND_UNKNOWN_SPREAD of log spend
    expect(spendSpread({ ...base, hourVar: Number.NaN })).toBeGreaterThan(BAND_UNKNOWN_SPREAD);
  });
});
