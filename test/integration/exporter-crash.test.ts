/**
 * Crash leftovers, with real processes: kill -9 of a child exporter in a bounded loop against the
 * simulator, gaps between calls measured on the simulator's side; stale temporary files removed at
 * start; a state file (or journal) the exporter cannot read or write refused with exit 2, untouched.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../../simulator/index.ts";
import { CLI_ENTRY } from "../helpers/cli.ts";
import { eventually, newKey } from "./exporter-harness.ts";

const CHILD = fileURLToPath(new URL("../helpers/exporter-child.ts", import.meta.url));
const MIN_INTERVAL_MS = 1500;
const CYCLES = 20;
/**
 * The exporter keeps the minimum from the start of each check; the simulator sees the request when
 * it arrives. On a loaded 2-core machine a connection can take over 100 ms to reach it, so a gap can
 * look that much shorter than it was (1,389 ms seen once in the full suite). Before the fix, crash
 * restarts made gaps of 533-1,343 ms, 15 of 39 under 1,250 ms.
 */
const TOLERANCE_MS = 250;

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "captcha-runway-crash-"));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once("exit", (code) => resolve(code));
  });
}

/** The pid of a process that has exited (so no live process has it, barring reuse). */
async function deadPid(): Promise<number> {
  const c = spawn(process.execPath, ["-e", "0"], { stdio: "ignore" });
  await exited(c);
  return c.pid!;
}

describe("exporter under kill -9", () => {
  it(`${CYCLES} crash-restart cycles never break the provider's minimum interval; stale temporary files are removed`, async () => {
    const key = newKey();
    const arrivals: number[] = [];
    const sim: Simulator = await startSimulator({
      port: 0,
      accounts: [{ key, id: "main", balance: 10 }],
      onRequest: (e) => {
        if (e.account === "main") arrivals.push(e.atMs);
      },
    });
    const dir = tempDir();
    const stateFile = join(dir, "state.json");
    // what an earlier crash left: temporary files of a writer that is gone
    const pid = await deadPid();
    const stale = [`.state.json.tmp-${pid}-0badf00d`, `.state.json.attempts.tmp-${pid}-0badf00d`];
    for (const f of stale) writeFileSync(join(dir, f), "x".repeat(4096));
    const env = { PATH: process.env.PATH, SIM_URL: sim.url, CAPTCHA_API_KEY: key, STATE_FILE: stateFile, MIN_INTERVAL_MS: String(MIN_INTERVAL_MS) };
    let stderr = "";
    try {
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        const child = spawn(process.execPath, [CHILD], { env, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        child.stdout!.on("data", (c) => {
          out += c;
        });
        child.stderr!.on("data", (c) => {
          stderr += c;
        });
        const gone = exited(child);
        const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
        try {
          await eventually(() => out.includes("listening") || child.exitCode !== null, "the child listening", 15_000);
          expect(child.exitCode, stderr).toBeNull();
          if (cycle === 0) expect(stale.filter((f) => existsSync(join(dir, f)))).toEqual([]);
          // two calls in this life: the second is newer than the state file (written after the first,
          // then at most once a minute), so only the attempt journal knows about it
          const seen = arrivals.length;
          await eventually(() => arrivals.length >= seen + 2, "two calls from this child", 15_000);
          await new Promise((r) => setTimeout(r, (cycle * 37) % 200));
          child.kill("SIGKILL");
          await gone;
        } finally {
          clearTimeout(killer);
        }
      }
    } finally {
      await sim.close();
    }
    const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]!);
    const short = gaps.filter((g) => g < MIN_INTERVAL_MS - TOLERANCE_MS);
    expect(arrivals.length).toBeGreaterThanOrEqual(2 * CYCLES);
    expect(short, `gaps under ${MIN_INTERVAL_MS} ms among ${gaps.length}`).toEqual([]);
    expect(stderr).toContain("removed temporary state files left by a crash");
  }, 180_000);
});

describe("a state file the exporter cannot read, or a directory it cannot write", () => {
  // root reads anything: run the exporter as nobody then (the files stay root's)
  const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

  async function runExporter(stateFile: string, sim: Simulator, key: string) {
    const child = spawn(
      process.execPath,
      [CLI_ENTRY, "exporter", "--provider", "captchaai", "--api-url", sim.url, "--web.listen-address", "127.0.0.1:0", "--state.file", stateFile],
      { env: { PATH: process.env.PATH, CAPTCHA_API_KEY: key }, stdio: ["ignore", "pipe", "pipe"], ...asUser },
    );
    let stderr = "";
    child.stderr!.on("data", (c) => {
      stderr += c;
    });
    const killer = setTimeout(() => child.kill("SIGKILL"), 8000);
    const code = await exited(child);
    clearTimeout(killer);
    return { code, stderr };
  }

  it("EACCES on the state file: exit 2 naming the path and why; nothing moved aside, nothing called", async () => {
    const key = newKey();
    const sim = await startSimulator({ port: 0, accounts: [{ key, id: "main", balance: 10 }] });
    try {
      const dir = tempDir();
      chmodSync(dir, 0o777);
      const stateFile = join(dir, "state.json");
      writeFileSync(stateFile, '{"format":"captcha-runway/exporter-state","version":1,"savedAt":"2026-01-01T00:00:00Z","accounts":[]}');
      chmodSync(stateFile, 0o000);
      const run = await runExporter(stateFile, sim, key);
      expect(run.stderr).toContain(`--state.file: cannot read ${stateFile}: permission denied (EACCES); refusing to start`);
      expect(run.code).toBe(2);
      expect(readdirSync(dir)).toEqual(["state.json"]);
      expect(sim.requestCount()).toBe(0);
    } finally {
      await sim.close();
    }
  });

  it("a directory it cannot write: exit 2 naming the path", async () => {
    const key = newKey();
    const sim = await startSimulator({ port: 0, accounts: [{ key, id: "main", balance: 10 }] });
    try {
      const dir = tempDir();
      chmodSync(dir, 0o555);
      const stateFile = join(dir, "state.json");
      const run = await runExporter(stateFile, sim, key);
      expect(run.stderr).toContain(`--state.file ${stateFile}: cannot create files in ${dir} (permission denied`);
      expect(run.code).toBe(2);
      expect(sim.requestCount()).toBe(0);
    } finally {
      await sim.close();
    }
  });
});
