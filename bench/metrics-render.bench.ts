/**
 * The cost of the exporter's own metric families in process (`npm run bench`, or
 * `node bench/metrics-render.bench.ts` with Node 24), at 1,000 accounts with six CAPTCHA types each
 * (~25,000 series): a scrape while nothing changed (the rendered body is reused), a scrape after one
 * account changed (the body is joined again from every account's pre-rendered lines: the worst
 * case, and the common one with many accounts), and the update a poller makes after a check (that
 * account's lines derived again from its status). Process metrics are off: only the exporter's own
 * part is measured; bench/exporter.bench.ts measures whole scrapes over HTTP.
 */
import { defaultPrices } from "../core/pricing.ts";
import { RunwayEstimator } from "../core/runway/estimator.ts";
import { ExporterMetrics } from "../exporter/metrics.ts";
import { type AccountStatus, uncheckedStatus } from "../exporter/poller.ts";

const ACCOUNTS = 1000;
const ROUNDS = 5;

function pct(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function timed(n: number, fn: (i: number) => void): { p50: number; p99: number } {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    fn(i);
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { p50: pct(ms, 50), p99: pct(ms, 99) };
}

const prices = defaultPrices("captchaai");
const now = Date.now();
const statuses: AccountStatus[] = Array.from({ length: ACCOUNTS }, (_, i) => {
  const e = new RunwayEstimator();
  for (let k = 0; k < 60; k++) e.observe(now / 1000 - 3600 + k * 60, 20 + i / 1000 - k * 0.0137);
  return {
    ...uncheckedStatus({ labels: { account: `account-${i}`, provider: "captchaai" }, intervalMs: 60_000, prices, currency: "USD", estimate: e.current() }),
    balance: 20 + i / 1000 - 59 * 0.0137,
    valuesCurrent: true,
    checks: 60,
    lastAttemptAtMs: now,
    lastSuccessAtMs: now,
    lastCheckDurationSeconds: 0.2031,
    up: true,
  };
});

const metrics = new ExporterMetrics({ buildInfo: { version: "0", revision: "x", nodejs: process.version }, defaultMetrics: false });
for (const s of statuses) metrics.addAccount(s);
let bytes = 0;

const rows: string[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const hit = await timedAsync(400, async () => {
    bytes = (await metrics.renderParts(false))[0].length;
  });
  const miss = await timedAsync(200, async (i) => {
    metrics.update(statuses[i % ACCOUNTS]!);
    await metrics.renderParts(false);
  });
  const update = timed(20_000, (i) => {
    const s = statuses[i % ACCOUNTS]!;
    s.lastCheckDurationSeconds = 0.2 + (i % 7) / 1000;
    metrics.update(s);
  });
  rows.push(`| ${round + 1} | ${f(hit)} | ${f(miss)} | ${(update.p50 * 1000).toFixed(1)} / ${(update.p99 * 1000).toFixed(1)} |`);
}

async function timedAsync(n: number, fn: (i: number) => Promise<void>): Promise<{ p50: number; p99: number; cpu: number }> {
  const ms: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    ms.push(performance.now() - t);
  }
  const cpu = process.cpuUsage(cpu0);
  ms.sort((a, b) => a - b);
  return { p50: pct(ms, 50), p99: pct(ms, 99), cpu: (cpu.user + cpu.system) / 1000 / n };
}

function f(m: { p50: number; p99: number; cpu: number }): string {
  return `${m.p50.toFixed(3)} / ${m.p99.toFixed(3)} (CPU ${m.cpu.toFixed(3)})`;
}

console.log(`exporter families in process, ${ACCOUNTS} accounts, ${(bytes / 1024).toFixed(0)} KiB (load ${(await import("node:os")).loadavg()[0]!.toFixed(2)})`);
console.log("| round | scrape, nothing changed: p50 / p99 ms (mean CPU ms) | scrape after one update (update included): p50 / p99 ms (mean CPU ms) | update after a check: p50 / p99 µs |");
console.log("|---:|---:|---:|---:|");
for (const r of rows) console.log(r);
