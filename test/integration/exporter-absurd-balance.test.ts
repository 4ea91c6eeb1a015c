/**
 * One hostile account cannot cost the others their state. A provider alternating 1e308 / -1e308 once
 * drove spent_total to +Inf, the state file stored null, and on restart the whole file (every
 * account) was moved aside and every counter reset. Now such a balance is `malformed` at the edge,
 * the writer never writes a non-finite number, and a bad entry costs only its own account.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunwayEstimator } from "../../core/runway/estimator.ts";
import { type Simulator, startSimulator } from "../../simulator/index.ts";
import { createLogger } from "../../exporter/logger.ts";
import { type AccountState, STATE_FORMAT, STATE_VERSION, StateWriter, validateStateDocument } from "../../exporter/state-file.ts";
import { eventually, newKey, sample, scrape, startHarness } from "./exporter-harness.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "captcha-runway-absurd-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const steadyKey = newKey();
const hostileKey = newKey();
const money = (account: string) => ({ account, provider: "captchaai", currency: "USD" });
const errors = (account: string, reason: string) => ({ account, provider: "captchaai", reason });
const ACCOUNTS = [
  { key: steadyKey, name: "steady", balance: 50 },
  { key: hostileKey, name: "hostile", balance: 10 },
];

async function withSim<T>(fn: (sim: Simulator) => Promise<T>): Promise<T> {
  const sim = await startSimulator({ port: 0, accounts: ACCOUNTS.map(({ key, name, balance }) => ({ key, id: name, balance })) });
  try {
    return await fn(sim);
  } finally {
    await sim.close();
  }
}

const ZERO_ERRORS = { auth: 0, no_funds: 0, banned: 0, rate_limited: 0, upstream: 0, timeout: 0, network: 0, malformed: 0 };

describe("a provider alternating 1e308 / -1e308", () => {
  it("is malformed at the edge; the other account's counters survive a restart", async () => {
    const stateFile = join(dir, "alternating.json");
    await withSim(async (sim) => {
      const first = await startHarness({ sim, accounts: ACCOUNTS, intervalMs: 100, stateFile, stateWriteIntervalMs: 50 });
      try {
        await first.exporter.whenReady();
        sim.setBalance(steadyKey, 45);
        await eventually(async () => sample((await scrape(first.exporter.metricsUrl)).body, "captcha_spent_total", money("steady")) === 5, "steady spends 5");
        const before = sim.requestCount(hostileKey);
        for (const value of ["1e308", "-1e308", "1e308", "-1e308", "1e308", "-1e308"]) {
          sim.injectFault({ kind: "non-numeric", value }, { key: hostileKey, times: 1 });
        }
        await eventually(() => sim.requestCount(hostileKey) >= before + 7, "six hostile answers and a normal one");
        const body = (await scrape(first.exporter.metricsUrl)).body;
        expect(body).not.toMatch(/Inf|NaN/);
        expect(sample(body, "captcha_spent_total", money("hostile"))).toBe(0);
        expect(sample(body, "captcha_check_errors_total", errors("hostile", "malformed"))).toBe(6);
        expect(first.logs.join("")).toContain("not a number within ±1e12");
      } finally {
        await first.close();
      }
      const text = await readFile(stateFile, "utf8");
      expect(validateStateDocument(JSON.parse(text))).toBeNull();

      sim.injectFault({ kind: "hang" });
      const second = await startHarness({ sim, accounts: ACCOUNTS, intervalMs: 60_000, stateFile, requestTimeoutMs: 200 });
      try {
        const body = (await scrape(second.exporter.metricsUrl)).body;
        expect(sample(body, "captcha_spent_total", money("steady"))).toBe(5);
        expect(sample(body, "captcha_check_errors_total", errors("hostile", "malformed"))).toBe(6);
        expect((await readdir(dir)).filter((f) => f.startsWith("alternating.json.corrupt-"))).toEqual([]);
      } finally {
        sim.clearFaults();
        await second.close();
      }
    });
  });
});

describe("a state file with one unusable entry", () => {
  const good = async (): Promise<AccountState> => {
    const e = new RunwayEstimator();
    e.observe(1_700_000_000, 50);
    e.observe(1_700_000_060, 45);
    return {
      account: "steady",
      provider: "captchaai",
      currency: "USD",
      estimator: e.toState(),
      errors: { ...ZERO_ERRORS, upstream: 3 },
      balance: 45,
      lastAttemptAtMs: 1_700_000_060_000,
      lastSuccessAtMs: 1_700_000_060_000,
      history: [[1_700_000_060, 45]],
    };
  };
  const hostileEntries: [string, (g: AccountState) => unknown][] = [
    ["a null where JSON met +Inf (errors)", (g) => ({ ...g, account: "hostile", errors: { ...ZERO_ERRORS, malformed: null } })],
    ["a null inside the estimator's state", (g) => ({ ...g, account: "hostile", estimator: { ...(g.estimator as object), spentTotal: null } })],
    ["an estimator of another kind", (g) => ({ ...g, account: "hostile", estimator: { kind: "nonsense" } })],
    ["not an object at all", () => 42],
  ];

  it.each(hostileEntries)("%s: only that account starts afresh; a copy of the file is kept", async (_what, makeBad) => {
    const sub = await mkdtemp(join(dir, "entry-"));
    const stateFile = join(sub, "state.json");
    const g = await good();
    const content = JSON.stringify({ format: STATE_FORMAT, version: STATE_VERSION, savedAt: "2026-01-01T00:00:00Z", accounts: [makeBad(g), g] });
    await writeFile(stateFile, content);
    await withSim(async (sim) => {
      sim.injectFault({ kind: "hang" });
      const h = await startHarness({ sim, accounts: ACCOUNTS, intervalMs: 60_000, stateFile, requestTimeoutMs: 200 });
      try {
        const body = (await scrape(h.exporter.metricsUrl)).body;
        expect(sample(body, "captcha_spent_total", money("steady"))).toBe(5);
        expect(sample(body, "captcha_check_errors_total", errors("steady", "upstream"))).toBe(3);
        expect(sample(body, "captcha_spent_total", money("hostile"))).toBe(0);
        expect(h.logs.join("")).toMatch(/level=warn msg="state file entry unusable; that account starts afresh, the others are restored"/);
        const copies = (await readdir(sub)).filter((f) => f.startsWith("state.json.corrupt-"));
        expect(copies).toHaveLength(1);
        expect(await readFile(join(sub, copies[0]!), "utf8")).toBe(content);
        expect(existsSync(stateFile)).toBe(true);
      } finally {
        sim.clearFaults();
        await h.close();
      }
    });
  });
});

describe("the state writer", () => {
  it("never writes a non-finite number: a bad entry keeps its last good version, the others are written", async () => {
    const stateFile = join(dir, "writer.json");
    const lines: string[] = [];
    const logger = createLogger({ level: "debug", format: "logfmt", write: (l) => lines.push(l) });
    const entry = (account: string, spentTotal: number, balance: number): AccountState => {
      const e = new RunwayEstimator();
      e.observe(1_700_000_000, balance);
      return {
        account,
        provider: "captchaai",
        currency: "USD",
        estimator: { ...(e.toState() as object), spentTotal },
        errors: ZERO_ERRORS,
        balance,
        lastAttemptAtMs: null,
        lastSuccessAtMs: null,
        history: [],
      };
    };
    let accounts = [entry("a", 1, 10), entry("b", 2, 20)];
    const writer = new StateWriter(stateFile, 60_000, () => ({ format: STATE_FORMAT, version: STATE_VERSION, savedAt: new Date().toISOString(), accounts }), logger);
    await writer.flush();
    accounts = [entry("a", Number.POSITIVE_INFINITY, 11), entry("b", 3, 30)];
    await writer.flush();
    const text = await readFile(stateFile, "utf8");
    const doc = JSON.parse(text);
    expect(validateStateDocument(doc)).toBeNull();
    expect(doc.accounts.map((a: AccountState) => [a.account, a.balance, (a.estimator as { spentTotal: number }).spentTotal])).toEqual([
      ["a", 10, 1],
      ["b", 30, 3],
    ]);
    expect(lines.join("")).toMatch(/level=error msg="account state is not writable; keeping its last good entry in the state file" account=a .*Infinity/);
    // an entry that was never good is left out rather than written as null
    accounts = [entry("c", Number.NaN, 1), entry("b", 4, 40)];
    await writer.flush();
    expect(JSON.parse(await readFile(stateFile, "utf8")).accounts.map((a: AccountState) => a.account)).toEqual(["b"]);
  });
});
