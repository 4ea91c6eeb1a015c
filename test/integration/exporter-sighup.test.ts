/**
 * SIGHUP, sent for real to an exporter process: the accounts file, the key files and the web config
 * are read again, without losing state or breaking the schedule; a broken file is logged and the
 * running configuration stays; SIGTERM afterwards still writes the state and exits 0.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { afterAll, describe, expect, it } from "vitest";
import { startSimulator } from "../../simulator/index.ts";
import { CLI_ENTRY } from "../helpers/cli.ts";
import { eventually, newKey, sample, scrape } from "./exporter-harness.ts";

const dir = mkdtempSync(join(tmpdir(), "captcha-runway-sighup-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once("exit", (code) => resolve(code));
  });
}

describe("exporter: SIGHUP", () => {
  it("reloads the accounts and web config in place: state, values and schedule kept; a broken file changes nothing; a removed account goes", async () => {
    const keyA = newKey();
    const keyB = newKey();
    const sim = await startSimulator({
      port: 0,
      accounts: [
        { key: keyA, id: "a", balance: 10 },
        { key: keyB, id: "b", balance: 20 },
      ],
    });
    const keyFile = (name: string, key: string) => {
      const p = join(dir, name);
      writeFileSync(p, `${key}\n`);
      return p;
    };
    const account = (name: string, file: string) =>
      `  - name: ${name}\n    provider: captchaai\n    api_key_file: ${file}\n    api_url: ${sim.url}\n    poll_interval: 30s\n`;
    const fileA = keyFile("a.key", keyA);
    const fileB = keyFile("b.key", keyB);
    const config = join(dir, "accounts.yml");
    const web = join(dir, "web.yml");
    const stateFile = join(dir, "state.json");
    writeFileSync(config, `accounts:\n${account("a", fileA)}`);
    writeFileSync(web, "http_server_config:\n  headers:\n    X-Frame-Options: deny\n");

    const child = spawn(
      process.execPath,
      [CLI_ENTRY, "exporter", "--config.file", config, "--web.config.file", web, "--state.file", stateFile, "--web.listen-address", "127.0.0.1:0", "--log.format", "json"],
      { env: { PATH: process.env.PATH }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr!.on("data", (c) => {
      stderr += c;
    });
    const gone = exited(child);
    const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    const logged = (msg: string) => stderr.split("\n").filter((l) => l.includes(`"msg":"${msg}"`)).length;
    try {
      await eventually(() => logged("every account checked once; ready") === 1, "the first check", 15_000);
      const address = JSON.parse(stderr.split("\n").find((l) => l.includes('"exporter listening"'))!).url as string;
      const metrics = `${address}/metrics`;
      const body0 = (await scrape(metrics)).body;
      expect(sample(body0, "captcha_balance", { account: "a", provider: "captchaai", currency: "USD" })).toBe(10);
      expect(sim.requestCount(keyA)).toBe(1);

      // add an account, turn on basic auth, reload
      writeFileSync(config, `accounts:\n${account("a", fileA)}${account("b", fileB)}`);
      writeFileSync(web, `basic_auth_users:\n  prometheus: ${bcrypt.hashSync("s3cret-pw", 10)}\n`);
      child.kill("SIGHUP");
      await eventually(() => logged("configuration reloaded") === 1, "the reload", 15_000);
      const auth = { headers: { authorization: `Basic ${Buffer.from("prometheus:s3cret-pw").toString("base64")}` } };
      expect((await scrape(metrics)).status).toBe(401);
      await eventually(async () => sample((await scrape(metrics, auth)).body, "captcha_balance", { account: "b", provider: "captchaai", currency: "USD" }) === 20, "b's balance");
      const body1 = (await scrape(metrics, auth)).body;
      // a's values and schedule carried over: still shown, still up, not called again
      expect(sample(body1, "captcha_balance", { account: "a", provider: "captchaai", currency: "USD" })).toBe(10);
      expect(sample(body1, "captcha_up", { account: "a", provider: "captchaai" })).toBe(1);
      expect(sim.requestCount(keyA)).toBe(1);
      expect((await scrape(`${address}/-/ready`, auth)).status).toBe(200);

      // a broken accounts file: logged, nothing changes
      writeFileSync(config, "accounts:\n  - name: c\n    provider: nope\n");
      child.kill("SIGHUP");
      await eventually(() => logged("SIGHUP: configuration not reloaded; the running one stays") === 1, "the refused reload", 15_000);
      expect(stderr).toContain('unknown provider \\"nope\\"');
      const body2 = (await scrape(metrics, auth)).body;
      expect(sample(body2, "captcha_balance", { account: "b", provider: "captchaai", currency: "USD" })).toBe(20);
      expect(child.exitCode).toBeNull();

      // an account removed: gone from /metrics, the other one untouched
      writeFileSync(config, `accounts:\n${account("b", fileB)}`);
      child.kill("SIGHUP");
      await eventually(() => logged("configuration reloaded") === 2, "the second reload", 15_000);
      const body3 = (await scrape(metrics, auth)).body;
      expect(sample(body3, "captcha_balance", { account: "a", provider: "captchaai", currency: "USD" })).toBeUndefined();
      expect(sample(body3, "captcha_balance", { account: "b", provider: "captchaai", currency: "USD" })).toBe(20);
      expect(sim.requestCount(keyA)).toBe(1);

      child.kill("SIGTERM");
      expect(await gone).toBe(0);
    } finally {
      clearTimeout(killer);
      await sim.close();
    }
    const doc = JSON.parse(await readFile(stateFile, "utf8"));
    expect(doc.accounts.map((a: { account: string }) => a.account)).toEqual(["b"]);
    for (const key of [keyA, keyB]) expect(stderr).not.toContain(key);
  }, 90_000);
});
