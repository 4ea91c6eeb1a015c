/**
 * The GitHub Action's cost: the sizes of the committed bundle (dist/index.js, dist/undici.js,
 * dist/tracking.js) and the median wall time of `node dist/index.js` on its two paths, beside
 * `node -e 0` on the same machine (runs interleaved, ACTION_BENCH_RUNS each, default 21):
 * - the plain gate: read a balance from the local simulator (loads index.js and undici.js);
 * - with `tracking-issue: true`: the same, then find the tracking issue on a fake GitHub (loads
 *   tracking.js, Octokit, too). The balance covers the batch, so the run ends after one GET.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startSimulator } from "../simulator/index.ts";
import { startFakeGitHub } from "../test/helpers/fake-github.ts";

const RUNS = Math.max(15, Number(process.env.ACTION_BENCH_RUNS ?? 21));
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bundle = join(root, "dist", "index.js");
const TOKEN = "ghs_bench_token_000000000000000000000";
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
const gh = await startFakeGitHub({ token: TOKEN });
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
  const trackingEnv: NodeJS.ProcessEnv = {
    ...actionEnv,
    "INPUT_TRACKING-ISSUE": "true",
    "INPUT_GITHUB-TOKEN": TOKEN,
    GITHUB_API_URL: gh.url,
    GITHUB_REPOSITORY: gh.repository,
  };
  const plain: number[] = [];
  const action: number[] = [];
  const tracking: number[] = [];
  for (let i = 0; i < RUNS + 1; i++) {
    writeFileSync(outputFile, "");
    writeFileSync(summaryFile, "");
    const p = await timed(["-e", "0"], base);
    const a = await timed([bundle], actionEnv);
    const t = await timed([bundle], trackingEnv);
    if (i > 0) {
      // the first round warms the file cache
      plain.push(p);
      action.push(a);
      tracking.push(t);
    }
  }
  const kib = (f: string) => statSync(join(root, "dist", f)).size / 1024;
  const gateKiB = kib("index.js") + kib("undici.js");
  const mPlain = median(plain);
  const mAction = median(action);
  const mTracking = median(tracking);
  console.log(`dist/index.js ${kib("index.js").toFixed(0)} KiB + dist/undici.js ${kib("undici.js").toFixed(0)} KiB (the gate: ${gateKiB.toFixed(0)} KiB); dist/tracking.js ${kib("tracking.js").toFixed(0)} KiB (with tracking-issue: ${(gateKiB + kib("tracking.js")).toFixed(0)} KiB)`);
  console.log(`node -e 0:                          median ${mPlain.toFixed(1)} ms over ${plain.length} runs`);
  console.log(`node dist/index.js (gate):          median ${mAction.toFixed(1)} ms over ${action.length} runs (${(mAction / mPlain).toFixed(2)}× node -e 0)`);
  console.log(`node dist/index.js (tracking issue): median ${mTracking.toFixed(1)} ms over ${tracking.length} runs (${(mTracking / mPlain).toFixed(2)}× node -e 0)`);
} finally {
  await sim.close();
  await gh.close();
  rmSync(dir, { recursive: true, force: true });
}
