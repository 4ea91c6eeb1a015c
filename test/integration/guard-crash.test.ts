/**
 * The guard's queue survives kill -9: a child process queues items as fast as it can and is killed
 * at a random point, again and again on the same file; every item the child was told "queued" must
 * be in the file, which must stay readable (a torn last line tolerated), and a drain after a top-up
 * must complete them all.
 */
import { spawn } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../../simulator/index.ts";
import { BalanceGuard, readQueueFile } from "../../guard/index.ts";
import { solveClientKey } from "../helpers/sim-solver.ts";

const KEY = "CAP-CRASH0000000000000000000000000000000000";
const NODE = path.resolve("node_modules/.bin/node");
const CHILD = path.resolve("test/helpers/guard-child.ts");
const LOOPS = 20;

let sim: Simulator;
let dir: string;
beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0, accounts: [{ key: KEY, balance: 0, flavour: "capsolver", id: "cs", solvePrice: 0.001 }] });
  dir = mkdtempSync(path.join(tmpdir(), "guard-crash-"));
});
afterAll(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the child until it has acknowledged `killAfter` items, kills it with SIGKILL, returns every id it acknowledged. */
function runAndKill(keyFile: string, queueFile: string, prefix: string, killAfter: number): Promise<{ acked: string[]; signal: string | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [CHILD, sim.url, keyFile, queueFile, prefix, "4"], { stdio: ["ignore", "pipe", "pipe"] });
    const acked: string[] = [];
    let buf = "";
    let stderr = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`child did not acknowledge ${killAfter} items in time; stderr: ${stderr}`));
    }, 20_000);
    child.stdout.on("data", (chunk: Buffer) => {
      buf += chunk.toString();
      const lines = buf.split("\n");
      buf = lines.pop()!;
      for (const line of lines) if (line.startsWith("queued ")) acked.push(line.slice(7));
      if (acked.length >= killAfter && !child.killed) child.kill("SIGKILL");
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.on("exit", (_code, signal) => {
      clearTimeout(timer);
      // a line cut by the kill was never fully acknowledged: only complete lines count
      resolve({ acked, signal });
    });
    child.on("error", reject);
  });
}

describe("guard queue: kill -9 of the job in a loop", () => {
  it(`${LOOPS} kills on one queue file lose nothing that was reported queued; drain after a top-up completes everything`, async () => {
    const keyFile = path.join(dir, "key");
    writeFileSync(keyFile, `${KEY}\n`, { mode: 0o600 });
    const queueFile = path.join(dir, "pending.jsonl");
    const allAcked: string[] = [];
    const started = Date.now();
    let tornByKill = 0;
    let tornWritten = 0;
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let loop = 0; loop < LOOPS; loop++) {
      const killAfter = 1 + Math.floor(rand() * 30);
      const { acked, signal } = await runAndKill(keyFile, queueFile, `run${loop}`, killAfter);
      expect(signal).toBe("SIGKILL");
      expect(acked.length).toBeGreaterThanOrEqual(killAfter);
      allAcked.push(...acked);
      if (!readFileSync(queueFile, "utf8").endsWith("\n")) tornByKill++;
      else if (loop % 4 === 3) {
        // what a crash inside a write leaves (a kill rarely lands inside one write call; power loss can)
        appendFileSync(queueFile, `{"v":1,"op":"add","seq":999999,"id":"torn-${loop}","queuedAt":"2026-12-01T`);
        tornWritten++;
      }
      const inFile = new Set(readQueueFile(queueFile).map((i) => i.id));
      const lost = allAcked.filter((id) => !inFile.has(id));
      expect(lost).toEqual([]);
    }
    // every child starts afresh, yet the provider's minimum interval (30 s) holds across the restarts
    const elapsedMs = Date.now() - started;
    const calls = sim.requestCount(KEY);
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(calls).toBeLessThanOrEqual(1 + Math.floor(elapsedMs / 30_000));
    console.log(
      `guard kill -9 loop: ${LOOPS} kills in ${(elapsedMs / 1000).toFixed(1)} s, ${allAcked.length} items reported queued, 0 lost, ` +
        `torn last lines tolerated: ${tornByKill} left by a kill, ${tornWritten} written by the test; balance calls by the ${LOOPS} processes: ${calls}`,
    );

    // after the last kill: a new process takes the stale lock over and drains after a top-up
    const queued = readQueueFile(queueFile);
    const ids = queued.map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length); // nothing duplicated
    expect(ids.some((id) => id.startsWith("torn-"))).toBe(false); // torn lines were never items
    sim.deposit(KEY, 100);
    const guard = new BalanceGuard({ provider: "capsolver", apiKeyFile: keyFile, apiUrl: sim.url, onLow: "queue", queueFile, maxItemBytes: 1024 * 1024, log: false });
    const replayed: string[] = [];
    const result = await guard.drain<{ id: string }>(async (item) => {
      expect(item.params?.id).toBe(item.id);
      await solveClientKey(sim.url, KEY, { id: item.id });
      replayed.push(item.id);
    });
    expect(result).toEqual({ completed: queued.length, remaining: 0, stoppedBy: "empty" });
    expect(replayed).toEqual(ids);
    for (const id of allAcked) expect(replayed).toContain(id);
    expect(readQueueFile(queueFile)).toEqual([]);
    await guard.close();
    expect(readFileSync(queueFile, "utf8")).not.toContain(KEY);
  }, 240_000);
});
