/**
 * `captcha-runway exporter` runs with V8's young generation capped (cli/node-flags.ts): the real CLI
 * in a child process re-executes itself in place (same PID) with --max-semi-space-size, and V8
 * reports the capped young generation in the exporter's own process metrics. An operator's own
 * --max-semi-space-size wins. (How much memory that saves is measured by `npm run bench`.)
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../../simulator/index.ts";
import { EXPORTER_MALLOC_ARENA_MAX, EXPORTER_SEMI_SPACE_MB, exporterNeedsFlags } from "../../cli/node-flags.ts";
import { CLI_ENTRY } from "../helpers/cli.ts";
import { newKey, sample } from "./exporter-harness.ts";

describe("which runs need the flag", () => {
  it("the exporter command only, unless a semi-space size is already given", () => {
    expect(exporterNeedsFlags(["exporter", "--demo"], [], undefined)).toBe(true);
    expect(exporterNeedsFlags(["--log.level=debug", "exporter"], [], undefined)).toBe(true);
    expect(exporterNeedsFlags(["balance", "--provider", "captchaai"], [], undefined)).toBe(false);
    expect(exporterNeedsFlags(["replay", "exporter.csv"], [], undefined)).toBe(false);
    expect(exporterNeedsFlags(["exporter"], ["--max-semi-space-size=16"], undefined)).toBe(false);
    expect(exporterNeedsFlags(["exporter"], [], "--enable-source-maps --max-semi-space-size=32")).toBe(false);
    expect(exporterNeedsFlags(["exporter"], [], "--enable-source-maps")).toBe(true);
  });
});

describe.skipIf(!existsSync("/proc/self/cmdline"))("the exporter process", () => {
  let sim: Simulator;
  const key = newKey();
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, accounts: [{ key, id: "main", balance: 10 }] });
  });
  afterAll(() => sim.close());

  async function run(nodeArgs: string[], extraEnv: Record<string, string> = {}): Promise<{ cmdline: string[]; environ: string[]; newSpaceBytes: number }> {
    const child = spawn(
      process.execPath,
      [...nodeArgs, CLI_ENTRY, "exporter", "--provider", "captchaai", "--api-url", sim.url, "--web.listen-address", "127.0.0.1:0", "--state.file", ""],
      { env: { PATH: process.env.PATH, CAPTCHA_API_KEY: key, ...extraEnv }, stdio: ["ignore", "ignore", "pipe"] },
    );
    try {
      let stderr = "";
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no 'exporter listening' line within 20 s:\n${stderr}`)), 20_000);
        child.stderr!.on("data", (c) => {
          stderr += c;
          const m = /msg="exporter listening" address=\S+ url=(\S+)/.exec(stderr);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        child.once("exit", (code) => reject(new Error(`exporter exited ${code}:\n${stderr}`)));
      });
      const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, "utf8").split("\0");
      const environ = readFileSync(`/proc/${child.pid}/environ`, "utf8").split("\0");
      const body = await (await fetch(`${url}/metrics`)).text();
      return { cmdline, environ, newSpaceBytes: sample(body, "nodejs_heap_space_size_total_bytes", { space: "new" }) ?? Number.NaN };
    } finally {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
  }

  it(`runs in the same process with --max-semi-space-size=${EXPORTER_SEMI_SPACE_MB}: V8's young generation is at most twice that`, async () => {
    const r = await run([]);
    expect(r.cmdline).toContain(`--max-semi-space-size=${EXPORTER_SEMI_SPACE_MB}`);
    expect(r.cmdline).toContain("--optimize-for-size");
    expect(r.newSpaceBytes).toBeLessThanOrEqual(2 * EXPORTER_SEMI_SPACE_MB * 1024 * 1024);
    expect(r.environ).toContain(`MALLOC_ARENA_MAX=${EXPORTER_MALLOC_ARENA_MAX}`);
    expect(r.environ.some((e) => e.startsWith("CAPTCHA_API_KEY="))).toBe(true); // the rest of the environment kept
  }, 40_000);

  it("keeps the operator's own MALLOC_ARENA_MAX", async () => {
    const r = await run([], { MALLOC_ARENA_MAX: "4" });
    expect(r.environ.filter((e) => e.startsWith("MALLOC_ARENA_MAX="))).toEqual(["MALLOC_ARENA_MAX=4"]);
  }, 40_000);

  it("keeps the operator's own --max-semi-space-size", async () => {
    const r = await run(["--max-semi-space-size=16"]);
    expect(r.cmdline.filter((a) => a.startsWith("--max-semi-space-size"))).toEqual(["--max-semi-space-size=16"]);
  }, 40_000);
});
