/**
 * Sharding against the real simulator: 1,000 accounts split over 1, 3 and 7 exporters (in one
 * process, each with its own server, pollers and state file). The simulator counts the balance calls
 * per account: summed over the shards they stay at one per account per interval, every account is
 * polled by exactly one shard, and changing the number of shards (the exporters restarting with their
 * state files) loses no account.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultPrices } from "../../core/pricing.ts";
import { type Simulator, startSimulator } from "../../simulator/index.ts";
import { type RunningExporter, startExporter } from "../../exporter/exporter.ts";
import { createLogger } from "../../exporter/logger.ts";
import type { PolledAccount } from "../../exporter/poller.ts";
import { accountsOfShard, type Shard, shardOf } from "../../exporter/shard.ts";
import { eventually, FAST_POLICY, fastProvider, newKey, sample, scrape } from "./exporter-harness.ts";

const N = 1000;
const INTERVAL_MS = 2500;
const names = Array.from({ length: N }, (_, i) => `team-${Math.floor(i / 50)}-acct-${i}`);
const keys = names.map(() => newKey());
let sim: Simulator;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "cr-shards-"));
  sim = await startSimulator({ port: 0, accounts: names.map((id, i) => ({ id, key: keys[i]!, balance: 100 })) });
});
afterAll(async () => {
  await sim?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function configured(): PolledAccount[] {
  return names.map((name, i) => ({
    name,
    providerLabel: "captchaai",
    provider: fastProvider("captchaai"),
    apiKey: keys[i]!,
    apiUrl: sim.url,
    intervalMs: INTERVAL_MS,
    prices: defaultPrices("captchaai"),
  }));
}

/** Started shards, and per shard the accounts restored from its state file (read before any check could finish). */
async function startShards(total: number, stateDir: string): Promise<{ shards: RunningExporter[]; restored: string[][] }> {
  const all = configured();
  const shards: RunningExporter[] = [];
  const restored: string[][] = [];
  for (let ordinal = 0; ordinal < total; ordinal++) {
    const shard: Shard = { ordinal, total };
    shards.push(
      await startExporter({
        accounts: accountsOfShard(all, shard),
        shard,
        listen: { host: "127.0.0.1", port: 0 },
        telemetryPath: "/metrics",
        stateFile: join(stateDir, `state-${ordinal}.json`),
        stateWriteIntervalMs: 60_000,
        logger: createLogger({ level: "error", format: "logfmt", write: () => {} }),
        retryPolicy: FAST_POLICY,
        requestTimeoutMs: 5000,
        defaultMetrics: false,
      }),
    );
    restored.push(shards.at(-1)!.pollers.filter((p) => p.status.lastSuccessAtMs !== null).map((p) => p.account.name));
  }
  return { shards, restored };
}

/** Balance calls per account since `base`, read from the simulator. */
function callsSince(base: Record<string, number>): Map<string, number> {
  const counts = sim.counts().accounts;
  return new Map(names.map((n) => [n, (counts[n]?.total ?? 0) - (base[n] ?? 0)]));
}
function snapshot(): Record<string, number> {
  return Object.fromEntries(names.map((n) => [n, sim.counts().accounts[n]?.total ?? 0]));
}

/**
 * Runs `total` shards until every account was checked once (all ready), then counts the simulator's
 * balance calls until every account was checked twice more (two intervals), and stops them.
 */
async function runTwoIntervals(total: number, stateDir: string) {
  const unknownBefore = sim.counts().unknownKey.total;
  const { shards, restored } = await startShards(total, stateDir);
  try {
    const owners = new Map<string, number[]>();
    shards.forEach((s, ordinal) => {
      for (const p of s.pollers) owners.set(p.account.name, [...(owners.get(p.account.name) ?? []), ordinal]);
    });
    await Promise.all(shards.map((s) => s.whenReady()));
    const base = snapshot();
    const ready = await Promise.all(shards.map((s) => scrape(`${s.url}/-/ready`)));
    const metrics = await Promise.all(shards.map((s) => scrape(s.metricsUrl)));
    const landing = await Promise.all(shards.map((s) => scrape(`${s.url}/`)));
    await eventually(() => [...callsSince(base).values()].every((c) => c >= 2), "every account checked twice", 60_000);
    await Promise.all(shards.map((s) => s.stop()));
    const calls = callsSince(base);
    const perShard = shards.map((s) => s.pollers.reduce((sum, p) => sum + calls.get(p.account.name)!, 0));
    return { shards, owners, calls, perShard, restored, ready, metrics, landing, unknown: sim.counts().unknownKey.total - unknownBefore };
  } catch (err) {
    await Promise.all(shards.map((s) => s.stop()));
    throw err;
  }
}

describe.each([1, 3, 7])("1,000 accounts over %i shard(s)", (total) => {
  it("every account is polled by exactly one shard, once per interval summed over the shards", { timeout: 120_000 }, async () => {
    const r = await runTwoIntervals(total, await mkdtemp(join(dir, `run-${total}-`)));
    expect(r.owners.size).toBe(N);
    for (const [name, owners] of r.owners) {
      expect(owners, name).toEqual([shardOf(name, total)]);
    }
    // two intervals from an arbitrary moment: two calls per account, three for one whose phase put a
    // call right after that moment; a second shard polling the account would make it four or more
    const histogram: Record<number, number> = {};
    for (const c of r.calls.values()) histogram[c] = (histogram[c] ?? 0) + 1;
    expect(Object.keys(histogram).map(Number).every((c) => c === 2 || c === 3), JSON.stringify(histogram)).toBe(true);
    expect(r.unknown).toBe(0);
    const sum = r.perShard.reduce((a, b) => a + b, 0);
    expect(sum).toBe([...r.calls.values()].reduce((a, b) => a + b, 0));
    console.log(`${total} shard(s): accounts per shard ${JSON.stringify(r.shards.map((s) => s.pollers.length))}; upstream balance calls per shard over two intervals ${JSON.stringify(r.perShard)} (sum ${sum} for ${N} accounts; per-account ${JSON.stringify(histogram)})`);
    r.shards.forEach((s, ordinal) => {
      expect(sample(r.metrics[ordinal]!.body, "captcha_exporter_shard_ordinal")).toBe(ordinal);
      expect(sample(r.metrics[ordinal]!.body, "captcha_exporter_total_shards")).toBe(total);
      // the shard's own accounts only, in the metrics, the landing page and /-/ready
      const series = r.metrics[ordinal]!.body.split("\n").filter((l) => l.startsWith("captcha_up{"));
      expect(series.length).toBe(s.pollers.length);
      for (const p of s.pollers) expect(r.landing[ordinal]!.body).toContain(p.account.name);
      const others = r.shards.filter((_, o) => o !== ordinal).flatMap((o) => o.pollers.map((p) => p.account.name));
      for (const name of others.slice(0, 50)) expect(r.landing[ordinal]!.body).not.toContain(`>${name}<`);
      expect(r.ready[ordinal]!.status).toBe(200);
      if (total > 1) {
        expect(r.landing[ordinal]!.body).toContain(`Shard ${ordinal} of ${total}`);
        expect(r.ready[ordinal]!.body).toBe(`Ready: every account of shard ${ordinal} of ${total} (${s.pollers.length} own accounts, 0 pending) checked\n`);
      } else expect(r.ready[ordinal]!.body).toBe("Ready\n");
    });
  });
});

describe("changing the number of shards", () => {
  it("3 -> 7 -> 3 shards restarting with their state files: no account lost, kept state where the account stayed", { timeout: 240_000 }, async () => {
    const stateDir = await mkdtemp(join(dir, "reshard-"));
    for (const [from, to] of [
      [0, 3],
      [3, 7],
      [7, 3],
    ] as const) {
      const r = await runTwoIntervals(to, stateDir);
      expect(r.owners.size, `${from} -> ${to}`).toBe(N);
      for (const [name, owners] of r.owners) expect(owners).toEqual([shardOf(name, to)]);
      for (const c of r.calls.values()) expect([2, 3]).toContain(c);
      // an account restored from a state file is one that was on the same ordinal before (its file)
      const stayed = from === 0 ? [] : names.filter((n) => shardOf(n, from) === shardOf(n, to));
      expect(r.restored.flat().sort()).toEqual([...stayed].sort());
      console.log(`${from} -> ${to} shards: upstream balance calls per shard ${JSON.stringify(r.perShard)}; ${stayed.length} accounts kept their state file entry, ${N - stayed.length} started afresh on their new shard`);
    }
  });
});
