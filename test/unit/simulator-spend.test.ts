import { describe, expect, it } from "vitest";
import {
  advance,
  depositNow,
  draw,
  initialState,
  rateAt,
  SCENARIO_NAMES,
  type SpendProcess,
  type SpendState,
  scenario,
  setBalanceNow,
  validateProcess,
} from "../../simulator/spend.ts";

const HOUR = 3600;
const DAY = 24 * HOUR;

/** Advances in the given chunks and returns every intermediate state. */
function walk(p: SpendProcess, start: SpendState, times: number[]): SpendState[] {
  const out: SpendState[] = [];
  let s = start;
  for (const t of times) {
    s = advance(p, s, t);
    out.push(s);
  }
  return out;
}

describe("spend process", () => {
  it("without components the balance never moves", () => {
    const s = advance({ components: [] }, initialState(12.5), 30 * DAY);
    expect(s.balance).toBe(12.5);
    expect(s.spentTotal).toBe(0);
    expect(s.t).toBe(30 * DAY);
  });

  it("steady spending without noise is exact", () => {
    const p: SpendProcess = { components: [{ kind: "steady", ratePerHour: 2 }] };
    const s = advance(p, initialState(25), 5 * HOUR);
    expect(s.balance).toBeCloseTo(15, 9);
    expect(s.spentTotal).toBeCloseTo(10, 9);
  });

  it("is deterministic for a seed and differs between seeds", () => {
    const p = (seed: number): SpendProcess => ({ seed, components: [{ kind: "steady", ratePerHour: 1, noise: 0.5 }] });
    const a = advance(p(7), initialState(100), 10 * HOUR);
    const b = advance(p(7), initialState(100), 10 * HOUR);
    const c = advance(p(8), initialState(100), 10 * HOUR);
    expect(a).toEqual(b);
    expect(c.balance).not.toBe(a.balance);
    // noise averages out: 10 hours at a mean of 1 per hour
    expect(a.spentTotal).toBeGreaterThan(8.5);
    expect(a.spentTotal).toBeLessThan(11.5);
  });

  it("does not depend on how often it is sampled", () => {
    const p: SpendProcess = {
      seed: 3,
      components: [
        { kind: "steady", ratePerHour: 1.5, noise: 0.3 },
        { kind: "bursts", backgroundRatePerHour: 0.2, burstRatePerHour: 9, everySeconds: 4 * HOUR, durationSeconds: 1800, jitter: 0.5 },
        { kind: "deposits", amount: 5, everySeconds: 7 * HOUR },
        { kind: "surge", atSeconds: 20 * HOUR, factor: 3 },
      ],
    };
    const end = 2 * DAY;
    const once = advance(p, initialState(40), end);
    const fine = walk(p, initialState(40), Array.from({ length: 2000 }, (_, i) => ((i + 1) * end) / 2000)).at(-1)!;
    const odd = walk(p, initialState(40), [1, 59.5, 61, 3599, 25_200, 25_200, 100_000, end]).at(-1)!;
    for (const s of [fine, odd]) {
      expect(s.balance).toBeCloseTo(once.balance, 6);
      expect(s.spentTotal).toBeCloseTo(once.spentTotal, 6);
      expect(s.depositedTotal).toBeCloseTo(once.depositedTotal, 9);
    }
  });

  it("never goes below zero, stops at zero and resumes after a top-up", () => {
    const p: SpendProcess = {
      components: [
        { kind: "steady", ratePerHour: 10, noise: 0.9 },
        { kind: "deposits", amount: 3, everySeconds: 10 * HOUR },
      ],
    };
    const states = walk(p, initialState(5), Array.from({ length: 300 }, (_, i) => (i + 1) * 600));
    for (const s of states) expect(s.balance).toBeGreaterThanOrEqual(0);
    const at = (t: number) => states.find((s) => s.t === t)!;
    expect(at(9 * HOUR).balance).toBe(0); // 5 at ~10/h is gone long before 9 h
    // spent never exceeds what was there: initial + deposits
    const last = states.at(-1)!;
    expect(last.spentTotal).toBeCloseTo(5 + last.depositedTotal - last.balance, 9);
    // the top-up at 10 h arrives and is spent again afterwards
    expect(advance(p, at(9 * HOUR), 10 * HOUR).balance).toBeCloseTo(3, 9);
    expect(advance(p, at(9 * HOUR), 10 * HOUR + 1800).balance).toBeLessThan(3);
  });

  it("adds periodic deposits at the scheduled times, including one due exactly at the end", () => {
    const p: SpendProcess = { components: [{ kind: "deposits", amount: 10, everySeconds: 6 * HOUR, firstAtSeconds: HOUR }] };
    expect(advance(p, initialState(1), HOUR - 1).balance).toBe(1);
    expect(advance(p, initialState(1), HOUR).balance).toBe(11);
    const s = advance(p, initialState(1), 13 * HOUR); // at 1 h, 7 h, 13 h
    expect(s.balance).toBe(31);
    expect(s.depositedTotal).toBe(30);
    // advancing again to the same instant does not deposit twice
    expect(advance(p, s, 13 * HOUR)).toBe(s);
    expect(advance(p, s, 13 * HOUR + 1).balance).toBe(31);
  });

  it("surge multiplies the spend rate from its moment on", () => {
    const p: SpendProcess = {
      components: [
        { kind: "steady", ratePerHour: 1 },
        { kind: "surge", atSeconds: 2 * HOUR, factor: 5 },
      ],
    };
    const before = advance(p, initialState(100), 2 * HOUR);
    expect(before.spentTotal).toBeCloseTo(2, 9);
    const after = advance(p, before, 3 * HOUR);
    expect(after.spentTotal - before.spentTotal).toBeCloseTo(5, 9);
    expect(rateAt(p, 0, 0) * HOUR).toBeCloseTo(1, 9);
    expect(rateAt(p, 200, 200 * 60) * HOUR).toBeCloseTo(5, 9);
  });

  it("bursts spend mostly during the batch windows", () => {
    const c = { kind: "bursts", backgroundRatePerHour: 0, burstRatePerHour: 6, everySeconds: 6 * HOUR, durationSeconds: HOUR } as const;
    const p: SpendProcess = { components: [c] };
    expect(advance(p, initialState(100), 6 * HOUR).spentTotal).toBe(0); // first burst at 6 h
    expect(advance(p, initialState(100), 7 * HOUR).spentTotal).toBeCloseTo(6, 9);
    expect(advance(p, initialState(100), 12 * HOUR).spentTotal).toBeCloseTo(6, 9);
    expect(advance(p, initialState(100), 24 * HOUR).spentTotal).toBeCloseTo(18, 9); // bursts at 6, 12, 18 h
  });

  it("diurnal spends in business hours on weekdays and little at night and on weekends", () => {
    // 2024-01-01 was a Monday; origin at 00:00 UTC.
    const p: SpendProcess = {
      originEpochMs: Date.UTC(2024, 0, 1),
      components: [{ kind: "diurnal", peakRatePerHour: 10, nightFactor: 0.05, weekendFactor: 0.2 }],
    };
    const spentBetween = (from: number, to: number) =>
      advance(p, advance(p, initialState(1e6), from), to).spentTotal - advance(p, initialState(1e6), from).spentTotal;
    const mondayNight = spentBetween(0, 8 * HOUR);
    const mondayWork = spentBetween(9 * HOUR, 18 * HOUR);
    const saturdayWork = spentBetween(5 * DAY + 9 * HOUR, 5 * DAY + 18 * HOUR);
    expect(mondayNight).toBeCloseTo(8 * 10 * 0.05, 6);
    expect(mondayWork).toBeGreaterThan(10 * mondayNight);
    expect(saturdayWork).toBeCloseTo(mondayWork * 0.2, 6);
    // the peak is in the middle of the day
    expect(rateAt(p, 0, 13.5 * HOUR)).toBeGreaterThan(rateAt(p, 0, 10 * HOUR));
  });

  it("refill tops the account up a while after it runs dry, each time, whatever the sampling", () => {
    // 1 at 6/h runs out at 10 min; 5 more 10 min later last 50 min; again 10 min later
    const p: SpendProcess = {
      components: [
        { kind: "steady", ratePerHour: 6 },
        { kind: "refill", amount: 5, afterSeconds: 600 },
      ],
    };
    const once = advance(p, initialState(1), 600);
    expect(once.balance).toBe(0);
    expect(once.emptySince).toBeCloseTo(600, 6);
    expect(advance(p, initialState(1), 1199).balance).toBe(0);
    const topped = advance(p, initialState(1), 1200);
    expect(topped.balance).toBeCloseTo(5, 9);
    expect(topped.emptySince).toBeNull();
    expect(topped.depositedTotal).toBe(5);
    expect(advance(p, initialState(1), 1200 + 3000).balance).toBe(0);
    const twice = advance(p, initialState(1), 1200 + 3600);
    expect(twice.balance).toBeCloseTo(5, 9);
    expect(twice.depositedTotal).toBe(10);
    // sampled every 7 s or at once: the same
    const walked = walk(p, initialState(1), Array.from({ length: 1200 }, (_, i) => (i + 1) * 7)).at(-1)!;
    const jumped = advance(p, initialState(1), 1200 * 7);
    expect(walked.balance).toBeCloseTo(jumped.balance, 6);
    expect(walked.depositedTotal).toBe(jumped.depositedTotal);
    expect(walked.spentTotal).toBeCloseTo(jumped.spentTotal, 6);
    // emptied by solves or a correction, it is topped up too
    const drained = setBalanceNow(advance(p, initialState(100), 60), 0);
    expect(drained.emptySince).toBe(60);
    expect(advance(p, drained, 660).balance).toBeCloseTo(5, 9);
    expect(validateProcess({ components: [{ kind: "refill", amount: 0, afterSeconds: 1 }] })).toMatch(/refill.*amount must be a positive number/);
    expect(validateProcess({ components: [{ kind: "refill", amount: 1, afterSeconds: -1 }] })).toMatch(/afterSeconds must be a number >= 0/);
  });

  it("manual deposits and balance corrections", () => {
    const s = depositNow(initialState(2), 3);
    expect(s.balance).toBe(5);
    expect(s.depositedTotal).toBe(3);
    const c = setBalanceNow(s, -4);
    expect(c.balance).toBe(0);
    expect(c.depositedTotal).toBe(3);
    expect(initialState(-1).balance).toBe(0);
  });

  it("time does not run backwards", () => {
    const p: SpendProcess = { components: [{ kind: "steady", ratePerHour: 1 }] };
    const s = advance(p, initialState(10), HOUR);
    expect(advance(p, s, 10)).toBe(s);
  });

  it("draws are uniform-ish in [0, 1) and stable", () => {
    const xs = Array.from({ length: 5000 }, (_, i) => draw(42, 0, i));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.47);
    expect(mean).toBeLessThan(0.53);
    expect(draw(42, 0, 17)).toBe(draw(42, 0, 17));
  });

  it("validates processes with messages naming the field", () => {
    expect(validateProcess({ components: [{ kind: "steady", ratePerHour: -1 }] })).toMatch(/ratePerHour/);
    expect(validateProcess({ components: [{ kind: "steady", ratePerHour: 1, noise: 1 }] })).toMatch(/noise/);
    expect(
      validateProcess({
        components: [{ kind: "bursts", backgroundRatePerHour: 0, burstRatePerHour: 1, everySeconds: 10, durationSeconds: 20 }],
      }),
    ).toMatch(/durationSeconds/);
    expect(validateProcess({ components: [{ kind: "deposits", amount: 0, everySeconds: 5 }] })).toMatch(/amount/);
    expect(validateProcess({ components: [{ kind: "nope" } as never] })).toMatch(/unknown kind/);
    expect(validateProcess({ stepSeconds: 0, components: [] })).toMatch(/stepSeconds/);
    for (const name of SCENARIO_NAMES) expect(validateProcess(scenario(name).process)).toBeNull();
  });

  it("scenarios behave as described", () => {
    const run = (name: (typeof SCENARIO_NAMES)[number], seconds: number) => {
      const sc = scenario(name, 1, Date.UTC(2024, 0, 1));
      return advance(sc.process, initialState(sc.balance), seconds);
    };
    // steady: 25 at ~1.2/h lasts roughly 21 h
    expect(run("steady", 10 * HOUR).balance).toBeGreaterThan(10);
    expect(run("steady", 30 * HOUR).balance).toBe(0);
    // topups: deposits keep it alive longer than 25/2 h
    expect(run("topups", 18 * HOUR).depositedTotal).toBe(30);
    // leak: the surge shows in the second half
    const leak1 = run("leak", 2 * HOUR).spentTotal;
    const leak2 = run("leak", 4 * HOUR).spentTotal - leak1;
    expect(leak2).toBeGreaterThan(5 * leak1);
    // demo: visible within a real minute at its time scale, empty within ~4 real minutes
    const demo = scenario("demo");
    expect(run("demo", 60 * demo.timeScale).spentTotal).toBeGreaterThan(2);
    expect(run("demo", 4 * 60 * demo.timeScale).balance).toBe(0);
    // ... stays empty for 4 real minutes, long enough for CaptchaBalanceExhausted (for: 1m) to
    // fire at a 1-minute scrape and evaluation interval, then is topped up, runs dry again, and so on
    const sc = scenario("demo", 1, Date.UTC(2024, 0, 1));
    const realSeconds = 30 * 60;
    const states = walk(sc.process, initialState(sc.balance), Array.from({ length: realSeconds / 2 }, (_, i) => (i + 1) * 2 * sc.timeScale));
    const runs: { empty: boolean; from: number; to: number }[] = [];
    for (const s of states) {
      const empty = s.balance === 0;
      const realT = s.t / sc.timeScale;
      const last = runs.at(-1);
      if (last && last.empty === empty) last.to = realT;
      else runs.push({ empty, from: realT, to: realT });
    }
    const firstDry = runs.find((r) => r.empty)!;
    expect(firstDry.from).toBeGreaterThan(2 * 60);
    expect(firstDry.from).toBeLessThan(4 * 60);
    const dry = runs.filter((r) => r.empty && r.to < realSeconds - 2);
    expect(dry.length).toBeGreaterThanOrEqual(3);
    for (const r of dry) expect(r.to - r.from).toBeGreaterThanOrEqual(4 * 60 - 4);
    for (const r of dry) expect(r.to - r.from).toBeLessThanOrEqual(4 * 60 + 2);
    for (const r of runs.filter((x) => !x.empty).slice(1, -1)) expect(r.to - r.from).toBeGreaterThan(2 * 60);
  });
});
