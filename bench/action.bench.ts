/**
 * The GitHub Action's cost: the size of the committed bundle (dist/index.js) and the median wall time
 * of `node dist/index.js` reading a balance from the local simulator, beside `node -e 0` on the same
 * machine (runs interleaved, ACTION_BENCH_RUNS each, default 21). Target: under 2× plain Node start-up.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startSimulator } from "../core/simulator/index.ts";

const RUNS = Math.max(15, Number(process.env.ACTION_BENCH_RUNS ?? 21));
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bundle = join(root, "dist", "index.js");
const KEY = "0123456789abcdef0123456789abcdef";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Wall time of one child process, ms; rejects on a non-zero exit. */
function timed(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: "ignore" });
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (code === 0) resolve(ms);
      else reject(new Error(`${args.join(" ")} exited ${code}`));
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), "action-bench-"));
const sim = await startSimulator({ port: 0, accounts: [{ key: KEY, balance: 100 }] });
try {
  const outputFile = join(dir, "output");
  const summaryFile = join(dir, "summary");
  const base: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dir };
  const actionEnv: NodeJS.ProcessEnv = {
    ...base,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    "INPUT_API-KEY": KEY,
    "INPUT_API-URL": sim.url,
    INPUT_BATCH: "recaptcha_v2: 1000\nimage: 500",
  };
  const plain: number[] = [];
  const action: number[] = [];
  for (let i = 0; i < RUNS + 1; i++) {
    writeFileSync(outputFile, "");
    writeFileSync(summaryFile, "");
    const p = await timed(["-e", "0"], base);
    const a = await timed([bundle], actionEnv);
    if (i > 0) {
      // the first round warms the file cache
      plain.push(p);
      action.push(a);
    }
  }
  const bytes = statSync(bundle).size;
  const mPlain = median(plain);
  const mAction = median(action);
  const ratio = mAction / mPlain;
  console.log(`dist/index.js: ${bytes} bytes (${(bytes / 1024).toFixed(0)} KiB)`);
  console.log(`node -e 0:                   median ${mPlain.toFixed(1)} ms over ${plain.length} runs`);
  console.log(`node dist/index.js (sim):    median ${mAction.toFixed(1)} ms over ${action.length} runs`);
  console.log(`ratio: ${ratio.toFixed(2)}× plain Node start-up (target < 2×: ${ratio < 2 ? "met" : "NOT met"})`);
} finally {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
}
