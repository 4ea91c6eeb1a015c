/**
 * What the balance guard costs a job (issue 17): the time run() adds to a solver call while the
 * balance is cached, and how fast items are queued durably (each one fsynced before run() returns),
 * by one worker and by 50 (whose appends share a write and a sync).
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimulator } from "../simulator/index.ts";
import { BalanceGuard } from "../guard/index.ts";

const KEY = "CAP-BENCH000000000000000000000000000000000000";
const dir = mkdtempSync(join(tmpdir(), "captcha-runway-guard-bench-"));
const sim = await startSimulator({ timeScale: 0, accounts: [{ key: KEY, balance: 1e6, flavour: "capsolver", id: "cs" }] });

async function workers(n: number, items: number, each: () => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next++ < items) await each();
    }),
  );
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

try {
  const open = new BalanceGuard({ provider: "capsolver", apiKey: KEY, apiUrl: sim.url, onLow: "raise", log: false });
  await open.run(() => null); // the one balance check
  for (const n of [1, 50]) {
    const runs = 200_000;
    const ms = await workers(n, runs, () => open.run(() => null));
    console.log(`guard run() with a cached balance, ${n} worker(s): ${((ms * 1000) / runs).toFixed(2)} µs per run (${runs} runs), balance calls ${sim.requestCount(KEY)}`);
  }
  await open.close();

  sim.setBalance(KEY, 0);
  for (const n of [1, 50]) {
    const file = join(dir, `queue-${n}.jsonl`);
    const queueing = new BalanceGuard({ provider: "capsolver", apiKey: KEY, apiUrl: sim.url, onLow: "queue", queueFile: file, maxQueued: 1e6, log: false, checkEvery: "1h" });
    await queueing.ready();
    let i = 0;
    const items = n === 1 ? 500 : 5000;
    const ms = await workers(n, items, () => queueing.run(() => null, { id: `item-${i}`, params: { url: `https://shop.example/item/${i++}` } }));
    const bytes = statSync(file).size;
    console.log(
      `guard queue, ${n} worker(s): ${Math.round((items / ms) * 1000)} items/s durably queued (${((ms * 1000) / items).toFixed(0)} µs each, fdatasync per batch), ${Math.round(bytes / items)} bytes per item`,
    );
    const t0 = process.hrtime.bigint();
    const drained = await queueing.drain(() => undefined);
    const dms = Number(process.hrtime.bigint() - t0) / 1e6;
    console.log(`guard drain, ${drained.completed} items: ${Math.round((drained.completed / dms) * 1000)} items/s (a done record fsynced per item)`);
    await queueing.close();
  }
} finally {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
}
