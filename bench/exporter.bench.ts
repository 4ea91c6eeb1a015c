/**
 * Exporter benchmark (`npm run bench`, or `node bench/exporter.bench.ts` with Node 24).
 *
 * For 1, 100 and 1,000 accounts polled against the simulator with 2 s of latency per balance call,
 * measures scrape latency (p50/p99, sequential scrapes) and throughput (16 concurrent scrapers) of the
 * exporter, side by side with the floor: a bare express + prom-client server serving the same series
 * from memory. Both run in their own child process, so their resident memory is their own
 * (`process_resident_memory_bytes`). Then, for 100 accounts, scrapes at 200/s for three poll intervals
 * and counts upstream balance calls per account per interval.
 *
 * The exporter child runs with the Node flags and environment `captcha-runway exporter` gives itself
 * (cli/node-flags.ts). bench/exporter-load.bench.ts measures the CLI itself, as an operator runs it.
 *
 * Targets: p99 within 1.5× of the floor; < 150 MB resident with 1,000 accounts; one upstream call per
 * account per interval. Exit 1 when a target is missed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { EXPORTER_MALLOC_ARENA_MAX, EXPORTER_V8_FLAGS } from "../cli/node-flags.ts";
import { defaultPrices } from "../core/pricing.ts";
import { FAILURE_REASONS } from "../core/reasons.ts";
import { startSimulator } from "../simulator/index.ts";
import { runAfterBuild } from "./after-build.ts";
import { DROPPED_DEFAULT_METRICS } from "../exporter/metrics.ts";

const LATENCY_MS = 2000;
const key = (i: number) => `bench${String(i).padStart(27, "0")}`;

// The children run plain JavaScript, as users do (the built exporter from build/, and the floor),
// so neither pays for TypeScript type stripping in its memory.
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const KEY_JS = 'const key = (i) => "bench" + String(i).padStart(27, "0");';

const EXPORTER_CHILD = `
const [n, simUrl, intervalMs] = process.argv.slice(1).map(String);
const { startExporter } = await import(${JSON.stringify(`${ROOT}build/exporter/exporter.js`)});
const { getProvider } = await import(${JSON.stringify(`${ROOT}build/core/providers/registry.js`)});
const { defaultPrices } = await import(${JSON.stringify(`${ROOT}build/core/pricing.js`)});
const { silentLogger } = await import(${JSON.stringify(`${ROOT}build/exporter/logger.js`)});
${KEY_JS}
const provider = { ...getProvider("captchaai"), minPollIntervalMs: 0 };
const exporter = await startExporter({
  accounts: Array.from({ length: Number(n) }, (_, i) => ({ name: "account-" + i, providerLabel: "captchaai", provider,
    apiKey: key(i), apiUrl: simUrl, intervalMs: Number(intervalMs), prices: defaultPrices("captchaai") })),
  listen: { host: "127.0.0.1", port: 0 }, telemetryPath: "/metrics", stateFile: null, stateWriteIntervalMs: 60000,
  logger: silentLogger, requestTimeoutMs: ${LATENCY_MS * 3},
});
await exporter.whenReady();
process.stdout.write(JSON.stringify({ url: exporter.metricsUrl }) + "\\n");
process.once("SIGTERM", () => void exporter.stop().then(() => process.exit(0)));
`;

// The floor: bare express + prom-client serving the same series from memory.
const FLOOR_CHILD = `
const n = Number(process.argv[1]);
const express = (await import("express")).default;
const { Counter, Gauge, Registry, collectDefaultMetrics } = await import("prom-client");
const { createServer } = await import("node:http");
const r = new Registry();
const money = ["account", "provider", "currency"], acct = ["account", "provider"];
const g = (name, labelNames) => new Gauge({ name, help: name + " help", labelNames, registers: [r] });
const c = (name, labelNames) => new Counter({ name, help: name + " help", labelNames, registers: [r] });
const balance = g("captcha_balance", money), spent = c("captcha_spent_total", money), deposited = c("captcha_deposited_total", money);
const rate = g("captcha_spend_rate_per_second", money), runway = g("captcha_runway_seconds", acct);
const solves = g("captcha_solves_remaining", [...acct, "captcha_type"]), up = g("captcha_up", acct);
const last = g("captcha_last_success_timestamp_seconds", acct), dur = g("captcha_check_duration_seconds", acct);
const errors = c("captcha_check_errors_total", [...acct, "reason"]), interval = g("captcha_poll_interval_seconds", acct);
g("captcha_exporter_build_info", ["version", "revision", "nodejs"]).set({ version: "0", revision: "x", nodejs: process.version }, 1);
collectDefaultMetrics({ register: r });
for (const m of ${JSON.stringify(DROPPED_DEFAULT_METRICS)}) r.removeSingleMetric(m);
const types = ${JSON.stringify(Object.keys(defaultPrices("captchaai")))};
const reasons = ${JSON.stringify(FAILURE_REASONS)};
for (let i = 0; i < n; i++) {
  const l = { account: "account-" + i, provider: "captchaai" }, m = { ...l, currency: "USD" };
  balance.set(m, 10 + i / 1000); spent.inc(m, 1.2345); deposited.inc(m, 0); rate.set(m, 0.0003); runway.set(l, 36000);
  for (const t of types) solves.set({ ...l, captcha_type: t }, 3333);
  up.set(l, 1); last.set(l, Date.now() / 1000); dur.set(l, 2.003); interval.set(l, 60);
  for (const reason of reasons) errors.inc({ ...l, reason }, 0);
}
const app = express();
app.get("/metrics", async (_req, res) => { res.setHeader("Content-Type", r.contentType); res.send(await r.metrics()); });
const server = createServer(app);
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
process.stdout.write(JSON.stringify({ url: "http://127.0.0.1:" + server.address().port + "/metrics" }) + "\\n");
process.once("SIGTERM", () => server.close(() => process.exit(0)));
`;

// ---------- parent: load and measurements ----------
interface Child {
  readonly url: string;
  readonly proc: ChildProcess;
}

/** The Node flags and environment `captcha-runway exporter` runs with (cli/node-flags.ts). */
const EXPORTER_NODE_ARGS = [...EXPORTER_V8_FLAGS];
const EXPORTER_ENV = { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? EXPORTER_MALLOC_ARENA_MAX };

function startChild(code: string, args: string[]): Promise<Child> {
  const exporter = code === EXPORTER_CHILD;
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...(exporter ? EXPORTER_NODE_ARGS : []), "--input-type=module", "--eval", code, ...args], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"],
      ...(exporter ? { env: EXPORTER_ENV } : {}),
    });
    let out = "";
    proc.stdout!.on("data", (d) => {
      out += d;
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve({ url: JSON.parse(line).url, proc });
    });
    proc.on("exit", (status) => reject(new Error(`child ${args.join(" ")} exited ${status}`)));
  });
}

async function stopChild(c: Child): Promise<void> {
  await new Promise<void>((resolve) => {
    c.proc.removeAllListeners("exit");
    c.proc.once("exit", () => resolve());
    c.proc.kill("SIGTERM");
  });
}

async function scrapeOnce(url: string): Promise<string> {
  const res = await fetch(url);
  const body = await res.text();
  if (res.status !== 200) throw new Error(`scrape ${url}: HTTP ${res.status}`);
  return body;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Measure {
  p50: number;
  p99: number;
  rps: number;
  rssMb: number;
  rssStressMb: number;
  bytes: number;
}

async function rssMb(url: string): Promise<number> {
  const body = await scrapeOnce(url);
  return Number(/^process_resident_memory_bytes (\S+)$/m.exec(body)?.[1] ?? Number.NaN) / 1024 / 1024;
}

async function measure(url: string, samples: number, seconds: number): Promise<Measure> {
  for (let i = 0; i < 20; i++) await scrapeOnce(url); // warm-up
  const lat: number[] = [];
  let bytes = 0;
  for (let i = 0; i < samples; i++) {
    const t = performance.now();
    bytes = (await scrapeOnce(url)).length;
    lat.push(performance.now() - t);
  }
  lat.sort((a, b) => a - b);
  const rssSequential = await rssMb(url);
  let done = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (performance.now() < end) {
        await scrapeOnce(url);
        done++;
      }
    }),
  );
  return { p50: pct(lat, 50), p99: pct(lat, 99), rps: done / seconds, rssMb: rssSequential, rssStressMb: await rssMb(url), bytes };
}

async function main(): Promise<number> {
  const rows: string[] = [];
  let ok = true;
  for (const n of [1, 100, 1000]) {
    const sim = await startSimulator({
      port: 0,
      accounts: Array.from({ length: n }, (_, i) => ({ key: key(i), balance: 10 + i / 1000, spend: { components: [{ kind: "steady" as const, ratePerHour: 1 }] } })),
    });
    sim.injectFault({ kind: "latency", ms: LATENCY_MS });
    const exporter = await startChild(EXPORTER_CHILD, [String(n), sim.url, "60000"]);
    const floor = await startChild(FLOOR_CHILD, [String(n)]);
    const samples = n >= 1000 ? 100 : 300;
    const seconds = n >= 1000 ? 5 : 3;
    // alternate to share the machine's noise fairly
    const f = await measure(floor.url, samples, seconds);
    const e = await measure(exporter.url, samples, seconds);
    await stopChild(exporter);
    await stopChild(floor);
    await sim.close();
    const ratio = e.p99 / f.p99;
    const fmt = (x: number) => x.toFixed(2);
    rows.push(
      `| ${n} | ${fmt(e.p50)} / ${fmt(e.p99)} | ${fmt(f.p50)} / ${fmt(f.p99)} | ${ratio.toFixed(2)} | ${e.rps.toFixed(0)} / ${f.rps.toFixed(0)} | ${e.rssMb.toFixed(0)} / ${f.rssMb.toFixed(0)} | ${e.rssStressMb.toFixed(0)} / ${f.rssStressMb.toFixed(0)} | ${(e.bytes / 1024).toFixed(0)} |`,
    );
    if (ratio > 1.5) ok = false;
    if (n === 1000 && e.rssMb >= 150) ok = false;
  }
  console.log("scrape latency and throughput (exporter vs floor; provider latency 2 s)");
  console.log("| accounts | exporter p50 / p99 ms | floor p50 / p99 ms | p99 ratio | scrapes/s exporter / floor | RSS MB exporter / floor | RSS MB after throughput run | body KiB |");
  console.log("|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) console.log(r);

  // upstream calls per account per interval under 200 scrapes/s
  const n = 100;
  const intervalMs = 5000;
  const windowMs = 3 * intervalMs;
  const sim = await startSimulator({ port: 0, accounts: Array.from({ length: n }, (_, i) => ({ key: key(i), balance: 10 })) });
  sim.injectFault({ kind: "latency", ms: LATENCY_MS });
  const exporter = await startChild(EXPORTER_CHILD, [String(n), sim.url, String(intervalMs)]);
  sim.resetCounts();
  const start = performance.now();
  let scrapes = 0;
  let failures = 0;
  const inflight = new Set<Promise<void>>();
  for (let k = 0; performance.now() - start < windowMs; k++) {
    const due = start + (k * 1000) / 200;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const p = scrapeOnce(exporter.url).then(
      () => {
        scrapes++;
      },
      () => {
        failures++;
      },
    );
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  }
  await Promise.all(inflight);
  const elapsed = performance.now() - start;
  const counts = Array.from({ length: n }, (_, i) => sim.requestCount(key(i)));
  await stopChild(exporter);
  await sim.close();
  const intervals = elapsed / intervalMs;
  const perInterval = counts.map((c) => c / intervals);
  const maxCalls = Math.max(...counts);
  console.log(
    `\nupstream calls under ${(scrapes / (elapsed / 1000)).toFixed(0)} scrapes/s (target 200/s, ${failures} failed), ${n} accounts, interval ${intervalMs / 1000} s, ${(elapsed / 1000).toFixed(1)} s:`,
  );
  console.log(
    `calls per account: min ${Math.min(...counts)}, max ${maxCalls} over ${intervals.toFixed(2)} intervals → ${Math.min(...perInterval).toFixed(2)}–${Math.max(...perInterval).toFixed(2)} per account per interval`,
  );
  if (maxCalls > Math.ceil(intervals)) ok = false;
  if (!ok) console.log("\nA TARGET WAS MISSED");
  return ok ? 0 : 1;
}

// The exporter child runs the build: make sure it is current.
await runAfterBuild(main);
