/**
 * The exporter refuses to start (exit 2, naming the path and why) when its state file's directory
 * cannot take a new file, instead of running without the history it was told to keep. (Permission
 * denied for a non-root user is exercised in the container test, where the exporter runs as uid 10001.)
 */
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../../simulator/index.ts";
import { runExporterCommand } from "../../exporter/main.ts";
import { newKey } from "./exporter-harness.ts";

describe("exporter: unusable state directory", () => {
  let dir: string;
  let sim: Simulator;
  const key = newKey();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "captcha-runway-statedir-"));
    sim = await startSimulator({ port: 0, accounts: [{ key, id: "main", balance: 3 }] });
  });
  afterAll(async () => {
    await sim?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const run = async (stateFile: string) => {
    const errors: string[] = [];
    let listened = false;
    const code = await runExporterCommand(
      { provider: "captchaai", "api-url": sim.url, "web.listen-address": "127.0.0.1:0", "state.file": stateFile },
      { env: { CAPTCHA_API_KEY: key }, errorOut: (l) => errors.push(l), logWrite: () => {}, onStarted: () => (listened = true), stopSignal: new Promise(() => {}) },
    );
    return { code, err: errors.join(""), listened };
  };

  it("a missing directory: exit 2, the path and 'no such directory', nothing listening", async () => {
    const r = await run(join(dir, "absent", "state.json"));
    expect(r).toMatchObject({ code: 2, listened: false });
    expect(r.err).toMatch(new RegExp(`^captcha-runway exporter: --state\\.file ${join(dir, "absent", "state.json")}: cannot create files in ${join(dir, "absent")} \\(no such directory`));
    expect(r.err).toContain("--state.file ''");
    expect(r.err).not.toContain(key);
  });

  it("a parent that is a file: exit 2, says so; the probe leaves nothing behind", async () => {
    await writeFile(join(dir, "plain"), "x");
    const r = await run(join(dir, "plain", "state.json"));
    expect(r).toMatchObject({ code: 2, listened: false });
    expect(r.err).toMatch(/cannot create files in .*plain \(a parent is not a directory/);
    expect(await readdir(dir)).toEqual(["plain"]);
  });
});
