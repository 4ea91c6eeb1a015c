import { describe, expect, it } from "vitest";
import { RunwayEstimator } from "../../core/runway/estimator.ts";
import type { RunwayEstimate } from "../../core/runway/types.ts";
import { generateTrace, type Scenario } from "../helpers/traces.ts";

/**
 * The estimators share their scratch (the projection's objects, the day and fine-bin sums): the
 * exporter feeds one per account, turn by turn, so what one leaves there must never reach another.
 */
describe("runway estimators fed side by side", () => {
  it("give every account the estimates it gets alone", () => {
    const scenarios: Scenario[] = ["diurnal", "batch", "growth", "leak", "topups", "mixed"];
    const traces = scenarios.map((scenario, i) =>
      generateTrace({ scenario, seed: 40 + i, days: 9, poll: [30, 300], gaps: true }).rows,
    );
    const alone = traces.map((rows) => {
      const e = new RunwayEstimator();
      return rows.map((r) => e.observe(r.t, r.balance));
    });
    const estimators = traces.map(() => new RunwayEstimator());
    const together: RunwayEstimate[][] = traces.map(() => []);
    const longest = Math.max(...traces.map((rows) => rows.length));
    for (let i = 0; i < longest; i++) {
      // the accounts' samples interleaved, in a different order each round
      for (let k = 0; k < traces.length; k++) {
        const a = (k + i) % traces.length;
        const r = traces[a]![i];
        if (r) together[a]!.push(estimators[a]!.observe(r.t, r.balance));
      }
    }
    for (let a = 0; a < traces.length; a++) {
      expect(together[a]!.length).toBe(alone[a]!.length);
      // the lull, the trend, the surge and the bound all occur among these: compare every field
      expect(together[a], scenarios[a]).toEqual(alone[a]);
    }
    // the accounts' estimates differ (the test would not notice a value leaking between them otherwise)
    const midway = new Set(together.map((rows) => rows[rows.length >> 1]!.runwaySeconds));
    expect(midway.size).toBe(traces.length);
    expect([...midway].every((r) => r !== null && r > 0)).toBe(true);
  });
});
