import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "undici";
import { afterAll, describe, expect, it } from "vitest";
import { DEMO_KEY } from "../../simulator/index.ts";

const MAIN = join(import.meta.dirname, "../../cli/main.ts");
const SECRET = "sekret0key0that0must0never0leak0"; // 32 chars
const dir = mkdtempSync(join(tmpdir(), "sim-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function run(args: string[]): Run {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => {
    out += d;
  });
  child.stderr!.on("data", (d) => {
    err += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function firstLine(r: Run): Promise<string> {
  for (let i = 0; i < 400; i++) {
    const nl = r.stdout().indexOf("\n");
    if (nl >= 0) return r.stdout().slice(0, nl);
    if (r.child.exitCode !== null) break;
    await new Promise((res) => setTimeout(res, 25));
  }
  throw new Error(`no output; stderr: ${r.stderr()}`);
}

describe("captcha-runway simulate", () => {
  it("serves the demo key, is driven by the control API, exits 0 on SIGTERM", async () => {
    const r = run(["simulate", "--port", "0", "--json", "--time-scale", "0", "--balance", "7.5"]);
    try {
      const info = JSON.parse(await firstLine(r)) as { url: string; key: string; scenario: string };
      expect(info).toMatchObject({ key: DEMO_KEY, scenario: "demo" });
      const get = async () => (await request(`${info.url}/res.php?key=${DEMO_KEY}&action=getbalance&json=1`)).body.json();
      expect(await get()).toEqual({ status: 1, request: "7.5000" });
      await (await request(`${info.url}/_sim/fault`, { method: "POST", body: '{"fault":"ERROR_ZERO_BALANCE","times":1}' })).body.text();
      expect(await get()).toEqual({ status: 0, request: "ERROR_ZERO_BALANCE" });
    } finally {
      r.child.kill("SIGTERM");
    }
    expect(await r.exited).toBe(0);
    expect(r.stderr()).toMatch(/stopped after 2 requests/);
  });

  it("never prints a key read from --key-file", async () => {
    const keyFile = join(dir, "key");
    writeFileSync(keyFile, `${SECRET}\n`);
    const r = run(["simulate", "--port", "0", "--key-file", keyFile, "--flavour", "capmonster", "--status-interval", "0.1"]);
    try {
      const line = await firstLine(r);
      expect(line).toMatch(/capmonster flavour/);
      const url = /http:\/\/127\.0\.0\.1:\d+/.exec(r.stdout())![0];
      const res = await request(`${url}/getBalance`, { method: "POST", body: JSON.stringify({ clientKey: SECRET }) });
      expect(await res.body.json()).toMatchObject({ errorId: 0 });
      expect(await (await request(`${url}/_sim/state`)).body.text()).not.toContain(SECRET);
    } finally {
      r.child.kill("SIGINT");
    }
    expect(await r.exited).toBe(0);
    expect(r.stdout() + r.stderr()).not.toContain(SECRET);
    expect(r.stdout()).toContain("(not shown)");
  });

  it("exits 2 with a clear message for bad options", async () => {
    const cases = [
      [["--host", "0.0.0.0"], /host must be a loopback address/],
      [["--port", "70000"], /--port: 70000 is more than 65535; expected a port number from 0 to 65535/],
      [["--key-file", join(dir, "missing")], /cannot read the API key file/],
      [["--decimals", "12"], /--decimals/],
    ] as const;
    const runs = cases.map(([args]) => run(["simulate", ...args]));
    for (const [i, r] of runs.entries()) {
      expect(await r.exited).toBe(2);
      expect(r.stderr()).toMatch(cases[i]![1]);
      expect(r.stderr()).not.toMatch(/\n\s+at /); // no stack trace
    }
  });
});
