/**
 * The balance guard against the simulator: solves spend the simulated account through its solve
 * calls, the guard reads the balance through the real provider code, and the simulator counts the
 * balance calls.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Registry } from "prom-client";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../../simulator/index.ts";
import {
  BalanceGuard,
  type BalanceGuardOptions,
  InsufficientBalanceError,
  isQueued,
  isSkipped,
  type LowStrategy,
  readQueueFile,
  ZeroBalanceError,
} from "../../guard/index.ts";
import { solveClientKey, solveLegacy } from "../helpers/sim-solver.ts";

const KEY = "CAP-1234567890ABCDEF1234567890ABCDEF12345678"; // capsolver: 30 s minimum interval, 10 min ban
const KEY_2C = "2c00000000000000000000000000000c";
const PRICE = 0.01;
let sim: Simulator;
let dir: string;
const guards: BalanceGuard[] = [];

beforeAll(async () => {
  sim = await startSimulator({
    timeScale: 0,
    accounts: [
      { key: KEY, balance: 1, flavour: "capsolver", id: "cs", solvePrice: PRICE },
      { key: KEY_2C, balance: 1, flavour: "2captcha", id: "2c", solvePrice: PRICE },
    ],
  });
});
afterAll(() => sim.close());
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "guard-it-"));
  sim.clearFaults();
  sim.resetCounts();
});
afterEach(async () => {
  for (const g of guards.splice(0)) await g.close();
  rmSync(dir, { recursive: true, force: true });
});

const account = (id: string) => sim.state().accounts.find((a) => a.id === id)!;
const balanceCalls = () => sim.requestCount(KEY);

function guard(options: Partial<BalanceGuardOptions> & { log?: (l: string) => void }): BalanceGuard {
  const g = new BalanceGuard({ provider: "capsolver", apiKey: KEY, apiUrl: sim.url, log: false, ...options });
  guards.push(g);
  return g;
}

interface Tally {
  solved: string[];
  skipped: string[];
  queued: string[];
  raised: string[];
}

/** `workers` concurrent workers take items from one list until it is empty. */
async function runWorkers(g: BalanceGuard, items: readonly string[], workers: number, solve: (id: string) => Promise<string>): Promise<Tally> {
  const tally: Tally = { solved: [], skipped: [], queued: [], raised: [] };
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < items.length) {
        const id = items[next++]!;
        try {
          const r = await g.run(() => solve(id), { id, params: { page: `/item/${id}` } });
          if (isSkipped(r)) tally.skipped.push(id);
          else if (isQueued(r)) tally.queued.push(id);
          else {
            expect(r).toMatch(/^sim-token-\d+$/);
            tally.solved.push(id);
          }
        } catch (err) {
          if (!(err instanceof InsufficientBalanceError)) throw err;
          tally.raised.push(id);
        }
      }
    }),
  );
  return tally;
}

const ITEMS = Array.from({ length: 300 }, (_, i) => `item-${String(i).padStart(3, "0")}`);

describe("guard: 50 concurrent workers over a balance that reaches zero mid-run", () => {
  for (const strategy of ["skip", "queue", "raise"] as const satisfies readonly LowStrategy[]) {
    it(`onLow ${strategy}: every item accounted for exactly once; one balance call; the key nowhere`, async () => {
      sim.setBalance(KEY, 1); // 100 solves at 0.01
      const before = account("cs").solves;
      const lines: string[] = [];
      const queueFile = path.join(dir, "pending.jsonl");
      const g = guard({ onLow: strategy, queueFile, log: (l) => lines.push(l) });
      const tally = await runWorkers(g, ITEMS, 50, (id) => solveClientKey(sim.url, KEY, { type: "ReCaptchaV2TaskProxyLess", id }));

      const all = [...tally.solved, ...tally.skipped, ...tally.queued, ...tally.raised];
      expect(all).toHaveLength(ITEMS.length);
      expect(new Set(all)).toEqual(new Set(ITEMS));
      const after = account("cs").solves;
      // the provider charged exactly the solved items, and refused only the solves already in flight
      expect(tally.solved).toHaveLength(100);
      expect(after.accepted - before.accepted).toBe(100);
      expect(after.refusedZeroBalance - before.refusedZeroBalance).toBeLessThanOrEqual(50);
      const denied = strategy === "skip" ? tally.skipped : strategy === "queue" ? tally.queued : tally.raised;
      expect(denied).toHaveLength(200);
      expect(g.stats).toMatchObject({ ran: 100, [strategy === "skip" ? "skipped" : strategy === "queue" ? "queued" : "raised"]: 200 });
      // one balance call for 50 workers (the run is far shorter than the 30 s minimum interval)
      expect(balanceCalls()).toBe(1);
      console.info(
        `guard: onLow ${strategy}, 50 workers, 300 items: solved ${tally.solved.length}, skipped ${tally.skipped.length}, queued ${tally.queued.length}, raised ${tally.raised.length}; ` +
          `balance calls ${balanceCalls()}; solves refused by the provider ${after.refusedZeroBalance - before.refusedZeroBalance}`,
      );
      expect(g.stats.balanceChecks).toBe(1);
      // logged once when the zero balance hit, not per item
      expect(lines.filter((l) => l.includes("ERROR_ZERO_BALANCE"))).toHaveLength(1);
      expect(lines.join("\n")).not.toContain(KEY);
      if (strategy === "queue") {
        const queued = readQueueFile(queueFile);
        expect(queued.map((q) => q.id).sort()).toEqual([...tally.queued].sort());
        expect(queued[0]).toMatchObject({ reason: "zero-balance", params: { page: expect.stringMatching(/^\/item\//) } });
        expect(readFileSync(queueFile, "utf8")).not.toContain(KEY);
      }
    });
  }

  it("with pricePerSolve the guard stops before the provider refuses: no refused solve at all", async () => {
    sim.setBalance(KEY, 1);
    const before = account("cs").solves;
    const g = guard({ onLow: "skip", pricePerSolve: PRICE });
    const tally = await runWorkers(g, ITEMS, 50, (id) => solveClientKey(sim.url, KEY, { id }));
    expect(tally.solved).toHaveLength(100);
    expect(tally.skipped).toHaveLength(200);
    expect(account("cs").solves.refusedZeroBalance).toBe(before.refusedZeroBalance);
    expect(balanceCalls()).toBe(1);
  });

  it("minBalance keeps a reserve: runs stop when the next solve would take the balance under it", async () => {
    sim.setBalance(KEY, 1);
    const g = guard({ onLow: "raise", pricePerSolve: PRICE, minBalance: 0.5 });
    const tally = await runWorkers(g, ITEMS, 50, (id) => solveClientKey(sim.url, KEY, { id }));
    expect(tally.solved).toHaveLength(50);
    expect(account("cs").balance).toBeCloseTo(0.5, 9);
    const err = await g.run(() => "never").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InsufficientBalanceError);
    expect(err).not.toBeInstanceOf(ZeroBalanceError);
    expect(err).toMatchObject({ reason: "low", minBalance: 0.5, provider: "capsolver" });
  });

  it("a legacy solver that returns the provider's text: ERROR_ZERO_BALANCE is recognised, ZeroBalanceError raised", async () => {
    sim.setBalance(KEY_2C, 0.05);
    const g = new BalanceGuard({ provider: "2captcha", apiKey: KEY_2C, apiUrl: sim.url, onLow: "raise", log: false });
    guards.push(g);
    const results: string[] = [];
    const errors: unknown[] = [];
    for (let i = 0; i < 8; i++) {
      try {
        results.push((await g.run(() => solveLegacy(sim.url, KEY_2C))) as string);
      } catch (err) {
        errors.push(err);
      }
    }
    expect(results).toHaveLength(5);
    expect(results.every((r) => /^OK\|sim-token-/.test(r))).toBe(true);
    expect(errors).toHaveLength(3);
    expect(errors[0]).toBeInstanceOf(ZeroBalanceError);
    expect(errors[0]).toMatchObject({ code: "ERROR_ZERO_BALANCE", reason: "zero-balance", balance: 0 });
    expect(account("2c").solves.refusedZeroBalance).toBeGreaterThanOrEqual(1);
    // after the first refusal the guard raised without calling the solver again
    expect(errors.slice(1).every((e) => (e as Error).cause === undefined)).toBe(true);
    expect(sim.requestCount(KEY_2C)).toBe(1);
  });
});

describe("guard: each provider's zero-balance answer, from the simulator's solve calls", () => {
  const clientKeyFlavours = ["anti-captcha", "capsolver", "capmonster", "2captcha-v2", "rucaptcha-v2", "ezcaptcha"] as const;
  const legacyFlavours = ["2captcha", "rucaptcha", "captchaai", "azcaptcha"] as const;
  let fsim: Simulator;
  const keyOf = (f: string) => `${f.replace(/[^a-z0-9]/g, "")}${"0".repeat(32)}`.slice(0, 32);
  beforeAll(async () => {
    fsim = await startSimulator({
      timeScale: 0,
      accounts: [...clientKeyFlavours, ...legacyFlavours].map((f) => ({ key: keyOf(f), balance: 0.02, flavour: f, id: f, solvePrice: PRICE })),
    });
  });
  afterAll(() => fsim.close());

  for (const flavour of clientKeyFlavours) {
    it(`${flavour}: createTask's ERROR_ZERO_BALANCE (as a client library throws it) raises ZeroBalanceError after 2 solves`, async () => {
      const g = new BalanceGuard({ provider: flavour, apiKey: keyOf(flavour), apiUrl: fsim.url, onLow: "raise", log: false });
      guards.push(g);
      const solved: string[] = [];
      let zero: unknown;
      for (let i = 0; i < 4 && zero === undefined; i++) {
        try {
          solved.push((await g.run(() => solveClientKey(fsim.url, keyOf(flavour), { i }))) as string);
        } catch (err) {
          zero = err;
        }
      }
      expect(solved).toHaveLength(2);
      expect(zero).toBeInstanceOf(ZeroBalanceError);
      expect((zero as ZeroBalanceError).code).toBe("ERROR_ZERO_BALANCE");
      expect(fsim.requestCount(keyOf(flavour))).toBe(1);
    });
  }

  for (const flavour of ["anti-captcha", "2captcha-v2"] as const) {
    it(`${flavour}: a library that keeps only the errorId (10) is understood by the provider's numbering`, async () => {
      fsim.setBalance(keyOf(flavour), 0);
      const g = new BalanceGuard({ provider: flavour, apiKey: keyOf(flavour), apiUrl: fsim.url, onLow: "skip", log: false });
      guards.push(g);
      const idOnly = async () => {
        try {
          return await solveClientKey(fsim.url, keyOf(flavour), {});
        } catch (err) {
          throw Object.assign(new Error("API error"), { errorId: (err as { errorId: number }).errorId });
        }
      };
      fsim.deposit(keyOf(flavour), 0.001); // the balance check sees money; the solve cannot be paid
      expect(await g.run(idOnly)).toMatchObject({ outcome: "skipped", reason: "zero-balance" });
    });
  }

  for (const flavour of legacyFlavours) {
    it(`${flavour}: in.php's ERROR_ZERO_BALANCE text (returned as it is) marks the balance exhausted for every worker: the rest are skipped`, async () => {
      const g = new BalanceGuard({ provider: flavour, apiKey: keyOf(flavour), apiUrl: fsim.url, onLow: "skip", log: false });
      guards.push(g);
      const results = await Promise.all(Array.from({ length: 6 }, () => g.run(() => solveLegacy(fsim.url, keyOf(flavour)))));
      const tokens = results.filter((r) => typeof r === "string");
      expect(tokens).toHaveLength(2);
      expect(results.filter(isSkipped)).toHaveLength(4);
      expect(fsim.requestCount(keyOf(flavour))).toBe(1);
    });
  }
});

describe("guard: balance calls are at most one per interval, whatever the worker count", () => {
  for (const workers of [1, 10, 50]) {
    it(`${workers} worker(s), 100 s of a clock that moves 0.2 s per solve, checkEvery 30 s`, async () => {
      sim.setBalance(KEY, 1000);
      let clock = 1_000_000;
      const start = clock;
      const g = guard({ onLow: "raise", checkEvery: "30s", now: () => clock, random: () => 0 });
      const callTimes: number[] = [];
      let seen = 0;
      const items = Array.from({ length: 500 }, (_, i) => `t-${i}`);
      await runWorkers(g, items, workers, async (id) => {
        const calls = balanceCalls();
        if (calls > seen) {
          for (; seen < calls; seen++) callTimes.push(clock);
        }
        clock += 200;
        return solveClientKey(sim.url, KEY, { id });
      });
      const elapsed = clock - start;
      expect(elapsed).toBe(100_000);
      const calls = balanceCalls();
      expect(calls).toBeLessThanOrEqual(1 + Math.floor(elapsed / 30_000));
      expect(calls).toBeGreaterThanOrEqual(3); // it does refresh the cache
      for (let i = 1; i < callTimes.length; i++) expect(callTimes[i]! - callTimes[i - 1]!).toBeGreaterThanOrEqual(30_000);
      expect(g.stats.balanceChecks).toBe(calls);
      console.info(`guard: ${workers} worker(s), 500 runs over 100 s, checkEvery 30 s: ${calls} balance calls (simulator count), ${callTimes.map((t) => (t - start) / 1000).join(" s, ")} s`);
    });
  }

  it("refuses a checkEvery below the provider's minimum interval from the registry", () => {
    expect(() => guard({ checkEvery: "10s" })).toThrow(/checkEvery 10s is shorter than capsolver's minimum interval between balance calls \(30s\)/);
    expect(() => new BalanceGuard({ provider: "2captcha", apiKey: KEY_2C, checkEvery: 60 })).toThrow(/2captcha's minimum interval .*\(120s\)/);
  });
});

describe("guard: a balance that cannot be read", () => {
  it("fails closed by default within checkTimeout, and does not ask again before the back-off", async () => {
    sim.injectFault({ kind: "hang" }, { key: KEY, times: 1 });
    let clock = 5_000_000;
    const lines: string[] = [];
    const g = guard({ onLow: "skip", checkTimeout: "1s", now: () => clock, log: (l) => lines.push(l) });
    let called = false;
    const r = await g.run(() => {
      called = true;
      return "token";
    });
    expect(called).toBe(false);
    expect(r).toMatchObject({ outcome: "skipped", reason: "unreadable", balance: null });
    // (the run may have given up on the check a moment before the check itself timed out and logged)
    await expect.poll(() => lines.some((l) => /balance check failed \(timeout\).*onUnreadable closed/.test(l)), { timeout: 5000 }).toBe(true);
    // the exporter's back-off for a timeout (5 s, and never under the 30 s minimum interval)
    clock += 29_000;
    expect(await g.run(() => "token")).toMatchObject({ outcome: "skipped", reason: "unreadable" });
    expect(balanceCalls()).toBe(1);
    clock += 2_000;
    expect(await g.run(() => "token")).toBe("token");
    expect(balanceCalls()).toBe(2);
    expect(lines.some((l) => l.startsWith("captcha-runway guard (capsolver): balance check succeeded again"))).toBe(true);
  });

  it('onUnreadable "open" runs the solver anyway', async () => {
    sim.injectFault({ kind: "html", status: 502 }, { key: KEY, times: 1 });
    const g = guard({ onLow: "raise", onUnreadable: "open" });
    expect(await g.run(() => "token")).toBe("token");
  });

  it("a ban waits for the provider's cool-down from the registry (CapSolver: 10 min), not the interval", async () => {
    sim.injectFault({ kind: "error", code: "ERROR_IP_BANNED" }, { key: KEY, times: 1 });
    let clock = 9_000_000;
    const g = guard({ onLow: "raise", checkEvery: "30s", now: () => clock, random: () => 0 });
    await expect(g.run(() => "token")).rejects.toMatchObject({ reason: "unreadable" });
    for (const step of [60_000, 5 * 60_000, 9 * 60_000]) {
      clock = 9_000_000 + step;
      await expect(g.run(() => "token")).rejects.toThrow(/banned: the provider answered ERROR_IP_BANNED/);
    }
    expect(balanceCalls()).toBe(1);
    clock = 9_000_000 + 10 * 60_000;
    expect(await g.run(() => "token")).toBe("token");
    expect(balanceCalls()).toBe(2);
  });

  it("ERROR_ZERO_BALANCE answered to the balance check itself counts as a zero balance", async () => {
    sim.injectFault({ kind: "error", code: "ERROR_ZERO_BALANCE" }, { key: KEY, times: 1 });
    const g = guard({ onLow: "raise" });
    await expect(g.run(() => "token")).rejects.toBeInstanceOf(ZeroBalanceError);
  });
});

describe("guard: drain after a top-up", () => {
  it("replays the queued items in order, completes everything, empties the file", async () => {
    sim.setBalance(KEY, 0.3);
    const queueFile = path.join(dir, "pending.jsonl");
    const g = guard({ onLow: "queue", queueFile });
    const tally = await runWorkers(g, ITEMS.slice(0, 120), 50, (id) => solveClientKey(sim.url, KEY, { id }));
    expect(tally.solved).toHaveLength(30);
    expect(tally.queued).toHaveLength(90);
    const order = readQueueFile(queueFile).map((i) => i.id);
    expect(order).toHaveLength(90);

    sim.deposit(KEY, 5);
    const replayed: string[] = [];
    const result = await g.drain<{ page: string }>(async (item) => {
      expect(item.params?.page).toBe(`/item/${item.id}`);
      await solveClientKey(sim.url, KEY, { id: item.id });
      replayed.push(item.id);
    });
    expect(result).toEqual({ completed: 90, remaining: 0, stoppedBy: "empty" });
    expect(replayed).toEqual(order);
    expect(readQueueFile(queueFile)).toEqual([]);
    expect(readFileSync(queueFile, "utf8")).toBe(""); // compacted
    // the guard has money again: run() solves after its next balance check
    expect(g.stats.queueDepth).toBe(0);
  });

  it("stops at the first zero-balance answer and keeps that item and the rest, in order", async () => {
    sim.setBalance(KEY, 0);
    const queueFile = path.join(dir, "pending.jsonl");
    const g = guard({ onLow: "queue", queueFile });
    for (const id of ITEMS.slice(0, 10)) expect(await g.run(() => "never", { id })).toMatchObject({ outcome: "queued", reason: "zero-balance" });
    sim.deposit(KEY, 0.04); // pays for 4
    const result = await g.drain((item) => solveClientKey(sim.url, KEY, { id: item.id }));
    expect(result).toEqual({ completed: 4, remaining: 6, stoppedBy: "zero-balance" });
    expect(readQueueFile(queueFile).map((i) => i.id)).toEqual(ITEMS.slice(4, 10));
    // another error stops the drain too, is rethrown, and the item stays
    sim.deposit(KEY, 1);
    await expect(g.drain(() => Promise.reject(new Error("page gone")))).rejects.toThrow("page gone");
    expect((await g.queued()).map((i) => i.id)).toEqual(ITEMS.slice(4, 10));
    expect(await g.drain((item) => solveClientKey(sim.url, KEY, { id: item.id }))).toEqual({ completed: 6, remaining: 0, stoppedBy: "empty" });
  });

  it("a full queue raises QueueFullError naming the file and the bound", async () => {
    sim.setBalance(KEY, 0);
    const g = guard({ onLow: "queue", queueFile: path.join(dir, "q.jsonl"), maxQueued: 3 });
    for (let i = 0; i < 3; i++) await g.run(() => "x");
    await expect(g.run(() => "x", { id: "fourth" })).rejects.toThrow(/q\.jsonl is full \(3 items, the maxQueued option\): item "fourth" was not queued/);
    expect(g.stats).toMatchObject({ queued: 3, raised: 1 });
  });
});

describe("guard: a restarted job keeps the provider's interval (the last check recorded beside the queue)", () => {
  it("a new process on the same queueFile uses the balance read for the rest of checkEvery, then checks again", async () => {
    sim.setBalance(KEY, 5);
    let clock = 20_000_000;
    const queueFile = path.join(dir, "pending.jsonl");
    const opts = { onLow: "queue" as const, queueFile, checkEvery: "60s", now: () => clock, random: () => 0 };
    const first = guard(opts);
    expect(await first.run(() => "a")).toBe("a");
    await first.close();
    expect(balanceCalls()).toBe(1);
    const record = JSON.parse(readFileSync(`${queueFile}.check`, "utf8"));
    expect(record).toMatchObject({ v: 1, startedAt: 20_000_000, nextCheckAt: 20_060_000, balance: 5, readAt: 20_000_000, exhaustedAt: null });
    expect(readFileSync(`${queueFile}.check`, "utf8")).not.toContain(KEY);

    clock += 20_000; // a crash and a restart 20 s later
    const second = guard(opts);
    expect(await second.run(() => "b")).toBe("b");
    expect(balanceCalls()).toBe(1);
    expect(second.stats).toMatchObject({ balanceChecks: 0, lastBalance: 5 });
    clock += 40_000;
    expect(await second.run(() => "c")).toBe("c");
    expect(balanceCalls()).toBe(2);
  });

  it("a zero balance and a ban survive the restart: no call before the cool-down", async () => {
    sim.setBalance(KEY, 5);
    let clock = 30_000_000;
    const queueFile = path.join(dir, "pending.jsonl");
    const opts = { onLow: "queue" as const, queueFile, now: () => clock, random: () => 0 };
    const first = guard(opts);
    expect(await first.run(() => ({ errorId: 1, errorCode: "ERROR_ZERO_BALANCE" }), { id: "x" })).toMatchObject({ outcome: "queued", reason: "zero-balance" });
    await first.close();
    clock += 60_000;
    const second = guard(opts);
    expect(await second.run(() => "never", { id: "y" })).toMatchObject({ outcome: "queued", reason: "zero-balance" });
    expect(balanceCalls()).toBe(1);
    await second.close();

    sim.injectFault({ kind: "error", code: "ERROR_IP_BANNED" }, { key: KEY, times: 1 });
    clock += 5 * 60_000; // the no_funds cool-down is over: check, and get banned (still no proof of money)
    const third = guard(opts);
    expect(await third.run(() => "never", { id: "z" })).toMatchObject({ outcome: "queued", reason: "zero-balance" });
    expect(balanceCalls()).toBe(2);
    await third.close();
    clock += 5 * 60_000; // half of CapSolver's 10-minute ban
    const fourth = guard(opts);
    expect(await fourth.run(() => "never", { id: "w" })).toMatchObject({ outcome: "queued", reason: "zero-balance" });
    expect(balanceCalls()).toBe(2);
    clock += 5 * 60_000;
    expect(await fourth.run(() => "ok")).toBe("ok");
    expect(balanceCalls()).toBe(3);
  });

  it("an unreadable record is ignored: the guard simply checks", async () => {
    const queueFile = path.join(dir, "pending.jsonl");
    writeFileSync(`${queueFile}.check`, "{torn");
    const g = guard({ onLow: "queue", queueFile });
    expect(await g.run(() => "ok")).toBe("ok");
    expect(balanceCalls()).toBe(1);
  });
});

describe("guard: metrics on the job's registry", () => {
  it("captcha_guard_runs_total{outcome} and captcha_guard_queue_depth", async () => {
    sim.setBalance(KEY, 0.05);
    const registry = new Registry();
    const g = guard({ onLow: "queue", queueFile: path.join(dir, "m.jsonl"), registry });
    await runWorkers(g, ITEMS.slice(0, 20), 5, (id) => solveClientKey(sim.url, KEY, { id }));
    const text = await registry.metrics();
    expect(text).toContain('captcha_guard_runs_total{outcome="ran",provider="capsolver"} 5');
    expect(text).toContain('captcha_guard_runs_total{outcome="queued",provider="capsolver"} 15');
    expect(text).toContain('captcha_guard_runs_total{outcome="skipped",provider="capsolver"} 0');
    expect(text).toContain('captcha_guard_runs_total{outcome="raised",provider="capsolver"} 0');
    expect(text).toContain('captcha_guard_queue_depth{provider="capsolver"} 15');
    expect(text).toMatch(/# TYPE captcha_guard_runs_total counter/);
  });
});

describe("guard: configuration mistakes are clear", () => {
  it("names what was wrong and what was expected", async () => {
    expect(() => new BalanceGuard({ provider: "fakecaptcha", apiKey: "k" })).toThrow(/unknown provider "fakecaptcha"; expected one of /);
    expect(() => new BalanceGuard({ provider: "2captcha" })).toThrow(/exactly one of apiKey, apiKeyFile \(a path\) or apiKeyEnv/);
    expect(() => new BalanceGuard({ provider: "2captcha", apiKey: "k", onLow: "queue" })).toThrow(/onLow "queue" needs queueFile/);
    expect(() => new BalanceGuard({ provider: "2captcha", apiKey: "k", onLow: "retry" as LowStrategy })).toThrow(/onLow must be one of skip, queue, raise/);
    expect(() => new BalanceGuard({ provider: "2captcha", apiKey: "k", minBalance: -1 })).toThrow(/minBalance must be a number >= 0/);
    expect(() => new BalanceGuard({ provider: "2captcha", apiKey: "k", checkEvery: "2d" })).toThrow(/checkEvery: 2d is longer than the maximum of/);
    expect(() => new BalanceGuard({ provider: "2captcha", apiKey: "k", checkEvery: "soon" })).toThrow(/checkEvery: "soon" is not a duration/);
    expect(() => new BalanceGuard({ provider: "2captcha", apiKey: "k", checkTimeout: "100ms" })).toThrow(/checkTimeout: 100ms is too short; expected from 1s to 10m/);
    const missing = new BalanceGuard({ provider: "2captcha", apiKeyFile: path.join(dir, "nope") });
    await expect(missing.run(() => 1)).rejects.toThrow(/apiKeyFile: cannot read the API key file .*nope \(no such file\)/);
    const env = new BalanceGuard({ provider: "2captcha", apiKeyEnv: "GUARD_TEST_UNSET", env: {} });
    await expect(env.run(() => 1)).rejects.toThrow(/the environment variable GUARD_TEST_UNSET is not set/);
  });
});
