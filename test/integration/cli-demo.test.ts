/**
 * `npm run demo` as a newcomer runs it and stops it: one SIGINT or SIGTERM to the npm process (what
 * a supervisor or `kill` sends; Ctrl-C signals the whole group) stops npm, the shell it starts and the
 * exporter (which re-executes itself with its Node flags, cli/node-flags.ts), and frees the port. Run
 * in a throw-away checkout so its build does not race the other tests' build/.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workingTreeCheckout } from "../helpers/package.ts";

let dir: string;
let src: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "cr-demo-"));
  src = workingTreeCheckout(dir);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Every live descendant of `pid` (from /proc). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(e)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function portFree(port: number): Promise<boolean> {
  const s = createServer();
  return new Promise((resolve) => {
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

describe("npm run demo", () => {
  it.each(["SIGINT", "SIGTERM"] as const)("stops on one %s to the npm process: npm, the shell and the exporter exit, the port is free", async (signal) => {
    const port = await freePort();
    // the port on loopback only (the demo's default listens on every interface)
    const npm: ChildProcess = spawn("npm", ["run", "demo", "--", "--web.listen-address", `127.0.0.1:${port}`], {
      cwd: src,
      env: { ...process.env, CAPTCHA_API_KEY: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    npm.stdout!.on("data", (c) => {
      out += c;
    });
    npm.stderr!.on("data", (c) => {
      out += c;
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => npm.once("exit", (code, sig) => r({ code, signal: sig })));
    let tree: number[] = [];
    try {
      // the build, then the exporter (bounded: 150 s for a loaded machine)
      for (let i = 0; i < 300 && !out.includes('msg="every account checked once; ready"'); i++) {
        if (npm.exitCode !== null) throw new Error(`npm run demo exited early:\n${out}`);
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(out).toContain(`address=127.0.0.1:${port}`);
      tree = descendants(npm.pid!);
      expect(tree.length).toBeGreaterThan(0);
      npm.kill(signal);
      const bounded = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 20_000).unref());
      const how = await Promise.race([exited, bounded]);
      expect(how, `npm still running 20 s after one ${signal}:\n${out}`).not.toBe("timeout");
      for (let i = 0; i < 40 && tree.some(alive); i++) await new Promise((r) => setTimeout(r, 250));
      expect(tree.filter(alive), `still running after npm exited:\n${out}`).toEqual([]);
      expect(out).toContain(`msg="shutting down" signal=${signal}`);
      expect(out).toContain('msg="exporter stopped"');
      expect(await portFree(port)).toBe(true);
    } finally {
      for (const pid of [npm.pid!, ...tree]) if (alive(pid)) process.kill(pid, "SIGKILL");
    }
  }, 200_000);
});
