/**
 * An http-json account in the real exporter process, reading the simulator's JSON API: the balance and
 * runway metrics appear under provider="http-json", scrapes never call the API (one call per
 * interval however often Prometheus asks), the key appears nowhere; a mistake in the block exits 2
 * naming the field. The CLI's balance and check read the same account from the file.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../../simulator/index.ts";
import { CLI_ENTRY, runCliProcess } from "../helpers/cli.ts";
import { eventually, sample, scrape } from "./exporter-harness.ts";

const KEY = "hjexp0key0with0odd+chars/0123456789";
const dir = mkdtempSync(join(tmpdir(), "cr-http-json-"));

function configFile(name: string, httpJson: string): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    [
      "accounts:",
      "  - name: generic",
      "    provider: http-json",
      "    api_key_env: GENERIC_KEY",
      "    currency: credits",
      "    http_json:",
      ...httpJson.split("\n").map((l) => `      ${l}`),
    ].join("\n"),
  );
  return path;
}

describe("exporter with an http-json account", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ flavour: "nopecha", timeScale: 0, accounts: [{ key: KEY, balance: 8500 }] });
  });
  afterAll(() => sim.close());

  it("serves the balance under provider=http-json, one API call per interval, and never prints the key", async () => {
    const cfg = configFile(
      "good.yml",
      [`url: ${sim.url}/status/`, 'query: { key: "{{key}}" }', "balance: credit", "error_path: message", "min_interval: 2s"].join("\n"),
    );
    const child = spawn(process.execPath, [CLI_ENTRY, "exporter", "--config.file", cfg, "--web.listen-address", "127.0.0.1:0", "--log.format", "json"], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, GENERIC_KEY: KEY },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c) => {
      out += c;
    });
    child.stderr.on("data", (c) => {
      out += c;
    });
    try {
      const url = await eventually(() => /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out)?.[1], "the exporter address", 15_000);
      const metrics = `${url}/metrics`;
      await eventually(async () => sample((await scrape(metrics)).body, "captcha_balance", { account: "generic", provider: "http-json", currency: "credits" }) === 8500, "the balance", 15_000);
      sim.resetCounts();
      const started = Date.now();
      const bodies = await Promise.all(Array.from({ length: 40 }, () => scrape(metrics)));
      for (const b of bodies) expect(b.status).toBe(200);
      const elapsed = Date.now() - started;
      // 40 concurrent scrapes: at most the calls the 2 s interval allows in that time (no call per scrape)
      expect(sim.requestCount(KEY)).toBeLessThanOrEqual(Math.ceil(elapsed / 2000) + 1);
      expect(sample(bodies[0]!.body, "captcha_up", { account: "generic", provider: "http-json" })).toBe(1);
      expect(sample(bodies[0]!.body, "captcha_poll_interval_seconds", { account: "generic", provider: "http-json" })).toBe(2);
      // a rejected key: auth, reported, never the key
      sim.injectFault({ kind: "error", code: "InvalidKey" });
      await eventually(async () => (sample((await scrape(metrics)).body, "captcha_check_errors_total", { account: "generic", reason: "auth" }) ?? 0) >= 1, "an auth failure", 15_000);
      const page = await scrape(`${url}/`);
      for (const text of [out, page.body, bodies[0]!.body]) {
        expect(text).not.toContain(KEY);
        expect(text).not.toContain(encodeURIComponent(KEY));
      }
    } finally {
      sim.clearFaults();
      child.kill("SIGTERM");
      await new Promise((r) => child.once("close", r));
    }
  }, 60_000);

  it.each([
    ["url: https://x.example/balance\nbalance: credit\nmin_interval: 2s", /http_json: the key is not sent/],
    ["balance: credit\nmin_interval: 2s", /http_json\.url: missing/],
    [`url: ${"https://x.example"}/{{token}}\nbalance: credit\nmin_interval: 2s`, /http_json\.url: unknown placeholder \{\{token\}\}/],
    ['url: https://x.example/{{key}}\nbalance: "credit["\nmin_interval: 2s', /http_json\.balance: "credit\[" is not a valid JMESPath expression/],
    ["url: https://x.example/{{key}}\nbalance: credit", /http_json\.min_interval: missing/],
  ])("exits 2 naming the field: %j", async (block, message) => {
    const cfg = configFile(`bad-${Math.random().toString(36).slice(2)}.yml`, block);
    const r = await runCliProcess(["exporter", "--config.file", cfg], { GENERIC_KEY: KEY });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/accounts\[0\]/);
    expect(r.stderr + r.stdout).not.toContain(KEY);
  });

  it("captcha-runway balance / check --config.file read an http-json account (and pick one with --account)", async () => {
    const block = [`url: ${sim.url}/status/`, 'query: { key: "{{key}}" }', "balance: credit", "min_interval: 2s"].join("\n");
    const one = configFile("one.yml", block);
    const env = { GENERIC_KEY: KEY };
    const b = await runCliProcess(["balance", "--config.file", one, "--json"], env);
    expect(b).toMatchObject({ code: 0 });
    expect(JSON.parse(b.stdout)).toEqual({ provider: "http-json", balance: 8500, currency: "credits" });
    const c = await runCliProcess(["check", "--config.file", one, "--batch", "sms=9000", "--price", "sms=1", "--margin", "0%"], env);
    expect(c.code).toBe(1);
    expect(c.stdout + c.stderr).toMatch(/short|shortfall|not enough/i);
    const ok = await runCliProcess(["check", "--config.file", one, "--batch", "sms=8000", "--price", "sms=1", "--margin", "0%"], env);
    expect(ok.code).toBe(0);
    for (const r of [b, c, ok]) expect(r.stdout + r.stderr).not.toContain(KEY);

    const two = join(dir, "two.yml");
    writeFileSync(two, `${readFileSync(one, "utf8")}\n${readFileSync(one, "utf8").split("\n").slice(1).join("\n").replace("name: generic", "name: second")}`);
    const which = await runCliProcess(["balance", "--config.file", two], env);
    expect(which.code).toBe(2);
    expect(which.stderr).toMatch(/--account: .* lists 2 accounts; name one with --account \(generic, second\)/);
    const named = await runCliProcess(["balance", "--config.file", two, "--account", "second"], env);
    expect(named).toMatchObject({ code: 0, stdout: "8500 credits\n" });
    const wrong = await runCliProcess(["balance", "--config.file", two, "--account", "third"], env);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/has no account "third"; expected one of generic, second/);
    const mixed = await runCliProcess(["balance", "--config.file", one, "--provider", "capmonster"], env);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/--provider: not used with --config.file/);
  }, 60_000);
});
