/**
 * One shard as a StatefulSet pod runs it: the real CLI with --config.file, --total-shards and
 * --shard.from-pod-name ($POD_NAME), against the simulator. Only the shard's accounts are called,
 * shown and written to the state file; SIGHUP with more accounts in the file picks up the new ones
 * that hash to this shard and no other; SIGTERM exits 0.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startSimulator } from "../../simulator/index.ts";
import { shardOf } from "../../exporter/shard.ts";
import { CLI_ENTRY } from "../helpers/cli.ts";
import { eventually, newKey, scrape } from "./exporter-harness.ts";

const dir = mkdtempSync(join(tmpdir(), "captcha-runway-shard-cli-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once("exit", (code) => resolve(code));
  });
}

describe("exporter: one shard from the CLI", () => {
  it("pod captcha-runway-1 of 3 polls, shows and keeps only its accounts, also after a SIGHUP that adds accounts", { timeout: 90_000 }, async () => {
    const TOTAL = 3;
    const ORDINAL = 1;
    const names = Array.from({ length: 24 }, (_, i) => `team-${i}`);
    const keys = Object.fromEntries(names.map((n) => [n, newKey()]));
    const sim = await startSimulator({ port: 0, accounts: names.map((n) => ({ id: n, key: keys[n]!, balance: 10 })) });
    for (const n of names) writeFileSync(join(dir, `${n}.key`), `${keys[n]}\n`);
    const config = join(dir, "accounts.yml");
    const write = (list: string[]) =>
      writeFileSync(
        config,
        `accounts:\n${list.map((n) => `  - name: ${n}\n    provider: captchaai\n    api_key_file: ${join(dir, `${n}.key`)}\n    api_url: ${sim.url}\n    poll_interval: 30s\n`).join("")}`,
      );
    const first = names.slice(0, 12);
    write(first);
    const own = (list: string[]) => list.filter((n) => shardOf(n, TOTAL) === ORDINAL).sort();
    expect(own(first).length).toBeGreaterThan(0);
    expect(own(names).length).toBeGreaterThan(own(first).length);
    const stateFile = join(dir, "state.json");
    const child = spawn(
      process.execPath,
      [CLI_ENTRY, "exporter", "--config.file", config, "--state.file", stateFile, "--web.listen-address", "127.0.0.1:0", "--log.format", "json", "--total-shards", String(TOTAL), "--shard.from-pod-name"],
      { env: { PATH: process.env.PATH, POD_NAME: `captcha-runway-${ORDINAL}` }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr!.on("data", (c) => {
      stderr += c;
    });
    const gone = exited(child);
    const killer = setTimeout(() => child.kill("SIGKILL"), 80_000);
    const logged = (msg: string) => stderr.split("\n").filter((l) => l.includes(`"msg":"${msg}"`)).length;
    const called = () => Object.entries(sim.counts().accounts).filter(([, c]) => c.total > 0).map(([n]) => n).sort();
    const shown = async (url: string) => [...(await scrape(`${url}/metrics`)).body.matchAll(/^captcha_up\{account="([^"]+)"/gm)].map((m) => m[1]!).sort();
    try {
      await eventually(() => logged("every account checked once; ready") === 1, "the first checks", 20_000);
      const listening = JSON.parse(stderr.split("\n").find((l) => l.includes('"exporter listening"'))!);
      expect(listening).toMatchObject({ shard: ORDINAL, total_shards: TOTAL, accounts: own(first).length });
      const url = listening.url as string;
      expect(called()).toEqual(own(first));
      expect(await shown(url)).toEqual(own(first));
      expect((await scrape(`${url}/-/ready`)).body).toBe(`Ready: every account of shard ${ORDINAL} of ${TOTAL} (${own(first).length} own accounts, 0 pending) checked\n`);
      const landing = (await scrape(`${url}/`)).body;
      expect(landing).toContain(`Shard ${ORDINAL} of ${TOTAL}`);
      for (const n of first.filter((x) => !own(first).includes(x))) expect(landing).not.toContain(`>${n}<`);

      write(names);
      child.kill("SIGHUP");
      await eventually(() => logged("configuration reloaded") === 1, "the reload", 15_000);
      await eventually(async () => (await shown(url)).length === own(names).length, "the new accounts of this shard", 15_000);
      expect(await shown(url)).toEqual(own(names));
      await eventually(() => called().length === own(names).length, "the new accounts' first checks", 15_000);
      expect(called()).toEqual(own(names));

      child.kill("SIGTERM");
      expect(await gone).toBe(0);
      const state = JSON.parse(readFileSync(stateFile, "utf8")) as { accounts: { account: string }[] };
      expect(state.accounts.map((a) => a.account).sort()).toEqual(own(names));
    } finally {
      clearTimeout(killer);
      if (child.exitCode === null) child.kill("SIGKILL");
      await sim.close();
    }
  });
});
