/**
 * `captcha-runway replay` end to end on a 1,000,000-row history: generates the CSV into a temporary
 * directory, runs the built bin (npm run build first) with this Node, prints rows/s and wall time.
 * Target: under 5 s on a 2-core machine; the load average is printed with it (the machine may be
 * shared). Then prints the memory one more estimator retains after 15 days of 60 s samples (the
 * exporter keeps one per account), measured in a child Node with --expose-gc (see measureMemory).
 */
import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

if (process.argv[2] === "--memory") {
  await measureMemory();
  process.exit(0);
}

/**
 * What one more estimator costs: the growth of the heap plus array buffers (after full GCs) from
 * FIRST to LAST estimators held, each fed the same 15 days of 60 s samples, over the LAST - FIRST
 * estimators between: the estimator, its bins and profiles, its latest estimate. One estimator is
 * fed before anything is counted, so the one-off costs (compiled code, type feedback, the scratch
 * all estimators share) are not spread over the others; they are printed apart. Not counted: the
 * allocator's bookkeeping of each estimator's one ArrayBuffer outside V8's heap (tens of bytes).
 */
async function measureMemory(): Promise<void> {
  const { RunwayEstimator } = await import("../core/runway/estimator.ts");
  const gc = (globalThis as { gc?: () => void }).gc!;
  const FIRST = 20;
  const LAST = 200;
  const samples = 15 * 1440;
  const used = () => {
    gc();
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const fed = () => {
    const e = new RunwayEstimator();
    let balance = 1e6;
    for (let i = 0; i < samples; i++) {
      const t = 1_767_225_600 + i * 60;
      const hour = Math.floor(t / 3600) % 24;
      balance -= (hour >= 8 && hour < 20 ? 0.4 : 0.1) * (1 + ((i * 7919) % 13) / 26);
      e.observe(t, Math.round(balance * 1e4) / 1e4);
    }
    return e;
  };
  const start = used();
  const kept = [fed()];
  const warm = used();
  while (kept.length < 1 + FIRST) kept.push(fed());
  const first = used();
  while (kept.length < 1 + LAST) kept.push(fed());
  const last = used();
  const each = (last - first) / (LAST - FIRST);
  const oneOff = warm - start - each;
  console.log(
    `memory: ${Math.round(each).toLocaleString("en")} bytes per estimator (heap + array buffers each of ${LAST - FIRST} more estimators adds, after 15 days of 60 s samples); one-off ${Math.round(oneOff).toLocaleString("en")} bytes per process (compiled code, shared scratch)`,
  );
}

/** Loaded into the replay child with --import: prints its CPU time (microseconds, user + system) as it exits. */
const CPU_HOOK =
  'data:text/javascript,process.on("exit",()=>{const u=process.cpuUsage();process.stderr.write("replay-bench-cpu "+(u.user+u.system)+"\\n")})';

const ROWS = Number(process.env.REPLAY_BENCH_ROWS ?? 1_000_000);
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = join(root, "build", "cli", "main.js");
if (!existsSync(bin)) {
  console.error(`replay bench: ${bin} is missing; run 'npm run build' first`);
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), "replay-bench-"));
const csv = join(dir, "history.csv");
try {
  // A year and more of 30 s polls: diurnal spend, a deposit every ~5 days, 4-decimal rounding.
  await new Promise<void>((resolve, reject) => {
    const out = createWriteStream(csv);
    out.on("error", reject);
    let balance = 500;
    let t = 1_767_225_600;
    let seed = 7;
    let buf = "timestamp,balance\n";
    for (let i = 0; i < ROWS; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      const hour = Math.floor(t / 3600) % 24;
      const rate = (hour >= 8 && hour < 20 ? 0.0004 : 0.0001) * (0.5 + seed / 2_147_483_648);
      balance -= rate * 30;
      if (i % 14_400 === 14_399) balance += 200;
      buf += `${t},${balance.toFixed(4)}\n`;
      t += 30;
      if (buf.length > 1 << 20) {
        out.write(buf);
        buf = "";
      }
    }
    out.end(buf, () => resolve());
  });

  const loadBefore = loadavg()[0]!;
  const start = process.hrtime.bigint();
  const { lines, code, cpu } = await new Promise<{ lines: number; code: number | null; cpu: number | null }>(
    (resolve, reject) => {
      // the child's own CPU time (user + system), which a shared machine's load inflates far less
      // than the wall time: printed by a hook loaded before the CLI, on the last line of stderr
      const child = spawn(process.execPath, ["--import", CPU_HOOK, bin, "replay", csv], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let lines = 0;
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => {
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
      });
      child.stderr.setEncoding("utf8").on("data", (s: string) => {
        stderr += s;
      });
      child.on("error", reject);
      child.on("close", (code) => {
        const m = /^replay-bench-cpu (\d+)\n/m.exec(stderr);
        process.stderr.write(stderr.replace(/^replay-bench-cpu .*\n/m, ""));
        resolve({ lines, code, cpu: m ? Number(m[1]) / 1e6 : null });
      });
    },
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (code !== 0 || lines !== ROWS) {
    console.error(`replay bench: replay exited ${code} after ${lines} of ${ROWS} rows`);
    process.exitCode = 1;
  } else {
    const rate = Math.round(ROWS / seconds);
    const cpuText = cpu === null ? "" : `, ${cpu.toFixed(2)} s of CPU`;
    console.log(
      `replay: ${ROWS.toLocaleString("en")} rows in ${seconds.toFixed(2)} s wall${cpuText} (${rate.toLocaleString("en")} rows/s; load average ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after)${seconds < 5 ? "" : "  SLOWER THAN THE 5 s TARGET"}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const memory = spawnSync(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), "--memory"], {
  stdio: ["ignore", "inherit", "inherit"],
});
if (memory.status !== 0) {
  console.error(`replay bench: the memory measurement exited ${memory.status}`);
  process.exitCode = 1;
}
