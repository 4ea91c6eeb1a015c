/**
 * The state file across restarts: counters survive, unreadable files are moved aside, SIGTERM on the
 * built binary writes the state and exits 0.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../../simulator/index.ts";
import { eventually, newKey, sample, scrape, startHarness } from "./exporter-harness.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "captcha-runway-state-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("exporter: state file", () => {
  it("keeps spent/deposited and error counters across a restart, and never stores the key", async () => {
    const stateFile = join(dir, "restart.json");
    const key = newKey();
    const sim = await startSimulator({ port: 0, accounts: [{ key, id: "main", balance: 50 }] });
    try {
      const l = { account: "main", provider: "captchaai" };
      const m = { ...l, currency: "USD" };
      const first = await startHarness({ sim, accounts: [{ key, name: "main", balance: 50 }], intervalMs: 100, stateFile });
      await first.exporter.whenReady();
      sim.setBalance(key, 45);
      await eventually(async () => sample((await scrape(first.exporter.metricsUrl)).body, "captcha_spent_total", m) === 5, "spend of 5");
      sim.deposit(key, 20);
      await eventually(async () => sample((await scrape(first.exporter.metricsUrl)).body, "captcha_deposited_total", m) === 20, "deposit of 20");
      sim.injectFault({ kind: "garbage" }, { key, times: 1 });
      await eventually(
        async () => sample((await scrape(first.exporter.metricsUrl)).body, "captcha_check_errors_total", { ...l, reason: "malformed" }) === 1,
        "one malformed answer",
      );
      await first.close();

      const text = await readFile(stateFile, "utf8");
      expect(text).not.toContain(key);
      const doc = JSON.parse(text);
      expect(doc.format).toBe("captcha-runway/exporter-state");
      expect(doc.accounts[0]).toMatchObject({ account: "main", provider: "captchaai", currency: "USD" });

      // restart with the provider down: the counters come from the state file alone
      sim.injectFault({ kind: "hang" });
      const second = await startHarness({ sim, accounts: [{ key, name: "main", balance: 0 }], intervalMs: 60_000, stateFile });
      try {
        const body = (await scrape(second.exporter.metricsUrl)).body;
        expect(sample(body, "captcha_spent_total", m)).toBe(5);
        expect(sample(body, "captcha_deposited_total", m)).toBe(20);
        expect(sample(body, "captcha_check_errors_total", { ...l, reason: "malformed" })).toBe(1);
        expect(sample(body, "captcha_last_success_timestamp_seconds", l)).toBeGreaterThan(1.7e9);
      } finally {
        sim.clearFaults();
        await second.close();
      }
    } finally {
      await sim.close();
    }
  });

  it.each([
    ["not JSON", "{ this is not json"],
    ["another program's JSON", JSON.stringify({ hello: "world" })],
    ["a future version", JSON.stringify({ format: "captcha-runway/exporter-state", version: 99, accounts: [] })],
  ])("moves %s aside with a warning and starts afresh", async (_what, content) => {
    const sub = await mkdtemp(join(dir, "corrupt-"));
    const stateFile = join(sub, "state.json");
    await writeFile(stateFile, content);
    const h = await startHarness({ accounts: [{ name: "main", balance: 7 }], intervalMs: 100, stateFile, stateWriteIntervalMs: 50 });
    try {
      await h.exporter.whenReady();
      const body = (await scrape(h.exporter.metricsUrl)).body;
      expect(sample(body, "captcha_balance", { account: "main", provider: "captchaai", currency: "USD" })).toBe(7);
      const files = await readdir(sub);
      const aside = files.filter((f) => f.startsWith("state.json.corrupt-"));
      expect(aside).toHaveLength(1);
      expect(await readFile(join(sub, aside[0]!), "utf8")).toBe(content);
      expect(h.logs.join("")).toMatch(/level=warn msg="state file unreadable; moved aside/);
      // and a fresh, valid file is written in its place
      await eventually(async () => existsSync(stateFile) && JSON.parse(await readFile(stateFile, "utf8")).version === 1, "a new state file");
    } finally {
      await h.close();
    }
  });
});

describe("exporter binary: SIGTERM", () => {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  const bin = join(root, "build/cli/main.js");
  const node = join(root, "node_modules/.bin/node");
  let sim: Simulator;
  const key = newKey();

  beforeAll(async () => {
    // The test runs the built binary, as users do; build it when missing or older than the sources.
    const sources = ["core", "simulator", "exporter", "cli"].flatMap((d) =>
      readdirSync(join(root, d), { recursive: true, encoding: "utf8" })
        .filter((f) => f.endsWith(".ts"))
        .map((f) => join(root, d, f)),
    );
    const built = (src: string) => join(root, "build", src.slice(root.length).replace(/\.ts$/, ".js"));
    const stale = !existsSync(bin) || sources.some((s) => !existsSync(built(s)) || statSync(s).mtimeMs > statSync(built(s)).mtimeMs);
    if (stale) {
      const r = spawnSync("npm", ["run", "build"], { cwd: root, encoding: "utf8" });
      if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}\n${r.stderr}`);
    }
    sim = await startSimulator({ port: 0, accounts: [{ key, id: "bin", balance: 12.5 }] });
  }, 120_000);
  afterAll(() => sim?.close());

  it("writes the state file and exits 0; nothing it prints contains the key", async () => {
    const stateFile = join(dir, "sigterm.json");
    const child = spawn(
      node,
      [bin, "exporter", "--provider", "captchaai", "--api-url", sim.url, "--web.listen-address", "127.0.0.1:0", "--state.file", stateFile, "--log.format", "json"],
      { env: { PATH: process.env.PATH, HOME: process.env.HOME, CAPTCHA_API_KEY: key }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => {
      stdout += c;
    });
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    try {
      await eventually(() => stderr.includes("every account checked once"), "the first check", 15_000);
      const address = JSON.parse(stderr.split("\n").find((l) => l.includes('"exporter listening"'))!).url as string;
      const body = (await scrape(`${address}/metrics`)).body;
      expect(sample(body, "captcha_balance", { account: "captchaai", provider: "captchaai", currency: "USD" })).toBe(12.5);
      // written after the first check; removed here, so only the shutdown can write it again
      // (the next periodic write is a minute away)
      await eventually(() => existsSync(stateFile), "the first state write");
      await rm(stateFile);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      clearTimeout(killer);
    }
    const doc = JSON.parse(await readFile(stateFile, "utf8"));
    expect(doc.accounts[0]).toMatchObject({ account: "captchaai", provider: "captchaai", balance: 12.5 });
    expect(stderr).toContain('"msg":"exporter stopped"');
    for (const text of [stdout, stderr, JSON.stringify(doc)]) expect(text).not.toContain(key);
  });
});
