/**
 * The balance guard as users get it: the packed npm tarball installed into an empty folder, the API
 * imported from the package root (ESM, with types), and docs/guard.md's Playwright example — taken
 * from the document — type-checked against the installed declarations and run as written with
 * Node 24 and Debian's Chromium, against the simulator and a local shop with a reCAPTCHA form.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../../simulator/index.ts";
import { readQueueFile } from "../../guard/queue.ts";
import { installTarball, type InstalledPackage, type PackedTarball, packWorkingTree, pathWithTestNode, ROOT, systemPath } from "../helpers/package.ts";

const CHROMIUM = "/usr/bin/chromium";
const KEY = "CAP-E2E0000000000000000000000000000000000000";
const SITE_KEY = "6Lc-shop-test-sitekey";

/** The example: the ```ts block after the `<!-- example: scraper.ts` marker in docs/guard.md. */
function exampleFromDocs(): string {
  const doc = readFileSync(join(ROOT, "docs/guard.md"), "utf8");
  const m = /<!-- example: scraper\.ts[^\n]*-->\n```ts\n([\s\S]*?)\n```/.exec(doc);
  if (!m) throw new Error("docs/guard.md: no ```ts block after <!-- example: scraper.ts -->");
  return `${m[1]}\n`;
}

let packed: PackedTarball;
let installed: InstalledPackage;
let sim: Simulator;
let shop: http.Server;
let shopUrl: string;
const accepted: string[] = [];
const usedTokens = new Set<string>();

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) expect.fail(`${CHROMIUM} not found: apt-get install -y chromium (.ci/run installs it)`);
  packed = packWorkingTree();
  installed = installTarball(packed.tarball, join(packed.dir, "install"));
  const nm = join(installed.prefix, "node_modules");
  // what the example's user installs next to the package (npm install playwright-core), and the
  // Node.js types a TypeScript project has
  symlinkSync(join(ROOT, "node_modules/playwright-core"), join(nm, "playwright-core"), "dir");
  if (!existsSync(join(nm, "@types"))) symlinkSync(join(ROOT, "node_modules/@types"), join(nm, "@types"), "dir");
  const pj = JSON.parse(readFileSync(join(installed.prefix, "package.json"), "utf8"));
  writeFileSync(join(installed.prefix, "package.json"), JSON.stringify({ ...pj, type: "module" }, null, 2)); // npm pkg set type=module
  writeFileSync(join(installed.prefix, "scraper.ts"), exampleFromDocs());
  writeFileSync(join(installed.prefix, "capsolver.key"), `${KEY}\n`, { mode: 0o600 });

  // 8 solves above the example's 0.5 reserve at its 0.0008 per solve
  sim = await startSimulator({ timeScale: 0, accounts: [{ key: KEY, balance: 0.5064, flavour: "capsolver", id: "cs", solvePrice: 0.0008 }] });
  shop = http.createServer((req, res) => {
    const m = /^\/item\/(\d+)$/.exec(req.url ?? "");
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    const n = m[1]!;
    if (req.method === "GET") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(`<!doctype html><title>Item ${n}</title><form method="post" action="/item/${n}">
<div class="g-recaptcha" data-sitekey="${SITE_KEY}"></div>
<textarea id="g-recaptcha-response" name="g-recaptcha-response" style="display:none"></textarea>
<button type="submit">Show price</button></form>`);
      return;
    }
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const token = new URLSearchParams(body).get("g-recaptcha-response") ?? "";
      const ok = /^sim-token-\d+$/.test(token) && !usedTokens.has(token);
      usedTokens.add(token);
      if (ok) accepted.push(n);
      res.writeHead(ok ? 200 : 403, { "content-type": "text/html; charset=utf-8" });
      res.end(`<!doctype html><p id="result">${ok ? `item ${n} costs ${(Number(n) * 1.25).toFixed(2)}` : "captcha failed"}</p>`);
    });
  });
  await new Promise<void>((resolve) => shop.listen(0, "127.0.0.1", resolve));
  shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
}, 300_000);

afterAll(async () => {
  await sim?.close();
  await new Promise((resolve) => (shop ? shop.close(resolve) : resolve(undefined)));
  if (packed) rmSync(packed.dir, { recursive: true, force: true });
});

/** Runs `node scraper.ts ARGS` in the install folder with Node 24 (async: the servers live in this process). */
function runExample(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["scraper.ts", ...args], {
      cwd: installed.prefix,
      env: {
        PATH: pathWithTestNode(systemPath()),
        HOME: process.env.HOME,
        CAPTCHA_API_URL: sim.url,
        CAPTCHA_KEY_FILE: join(installed.prefix, "capsolver.key"),
        QUEUE_FILE: join(installed.prefix, "pending.jsonl"),
        CHROMIUM_PATH: CHROMIUM,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    const killer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("the packed package's root export", () => {
  it("is the guard's API, ESM with declarations, built on core only", () => {
    const pkgDir = join(installed.prefix, "node_modules/captcha-runway");
    const script = `import * as m from "captcha-runway";
const z = new m.ZeroBalanceError("x", { provider: "2captcha", itemId: "i", balance: 0, minBalance: 0, code: "ERROR_ZERO_BALANCE" });
console.log(JSON.stringify({ names: Object.keys(m).sort(), zeroIsInsufficient: z instanceof m.InsufficientBalanceError,
  guard: typeof m.BalanceGuard, recognised: m.zeroBalanceInThrown(new Error("ERROR_ZERO_BALANCE"), "capsolver") }));`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: installed.prefix, encoding: "utf8" });
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout);
    expect(out.names).toEqual(expect.arrayContaining(["BalanceGuard", "InsufficientBalanceError", "ZeroBalanceError", "QueueFullError", "isQueued", "isSkipped", "Queued", "Skipped"]));
    expect(out).toMatchObject({ zeroIsInsufficient: true, guard: "function", recognised: "ERROR_ZERO_BALANCE" });
    const manifest = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
    expect(manifest.exports["."]).toEqual({ types: "./build/guard/index.d.ts", default: "./build/guard/index.js" });
    expect(existsSync(join(pkgDir, "build/guard/index.d.ts"))).toBe(true);
    // the library sits on core: nothing under guard/ imports the exporter or the action
    for (const f of readdirSync(join(pkgDir, "build/guard"))) {
      expect(readFileSync(join(pkgDir, "build/guard", f), "utf8"), f).not.toMatch(/from "\.\.\/(exporter|action|cli)\//);
    }
  });

  it("type-checks docs/guard.md's example with tsc (strict, NodeNext) against the installed declarations", () => {
    writeFileSync(
      join(installed.prefix, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", target: "ES2023", lib: ["ES2023", "DOM"], strict: true, noEmit: true, types: ["node"], skipLibCheck: false },
        files: ["scraper.ts"],
      }),
    );
    const r = spawnSync(join(ROOT, "node_modules/.bin/tsc"), ["-p", installed.prefix], { cwd: installed.prefix, encoding: "utf8" });
    expect(`${r.stdout}${r.stderr}`).toBe("");
    expect(r.status).toBe(0);
  });
});

describe("docs/guard.md's Playwright example, run as written", () => {
  it("scrapes while the balance allows, queues the rest with one balance call, and a drain after a top-up finishes them in order", async () => {
    const urls = Array.from({ length: 20 }, (_, i) => `${shopUrl}/item/${i + 1}`);
    const first = await runExample(urls);
    expect(first.code, first.stderr).toBe(0);
    const lines = first.stdout.trim().split("\n");
    const done = lines.filter((l) => / costs \d+\.\d\d$/.test(l));
    const queuedLines = lines.filter((l) => l.endsWith(": queued (low)"));
    expect(done).toHaveLength(8);
    expect(queuedLines).toHaveLength(12);
    expect(accepted).toHaveLength(8);
    expect(sim.requestCount(KEY)).toBe(1); // one balance call for four pages
    expect(sim.state().accounts[0]!.solves).toEqual({ accepted: 8, refusedZeroBalance: 0 });
    expect(lines.at(-1)).toMatch(/^guard: \{"ran":8,"skipped":0,"queued":12,"raised":0,"balanceChecks":1,/);
    // logged once, not per item
    expect(first.stderr.match(/queueing items to/g)).toHaveLength(1);
    const queueFile = join(installed.prefix, "pending.jsonl");
    const order = readQueueFile(queueFile).map((i) => i.id);
    expect(order).toHaveLength(12);
    expect(new Set([...order, ...done.map((l) => l.slice(0, l.indexOf(": item ")))])).toEqual(new Set(urls));

    sim.deposit(KEY, 10);
    const drained = await runExample(["--drain"]);
    expect(drained.code, drained.stderr).toBe(0);
    const drainLines = drained.stdout.trim().split("\n");
    expect(drainLines.filter((l) => / costs \d+\.\d\d$/.test(l)).map((l) => l.slice(0, l.indexOf(": item ")))).toEqual(order);
    expect(drainLines).toContain("drain: 12 done, 0 left (empty)");
    expect(accepted).toHaveLength(20);
    expect(readQueueFile(queueFile)).toEqual([]);
    for (const out of [first.stdout, first.stderr, drained.stdout, drained.stderr, readFileSync(queueFile, "utf8")]) expect(out).not.toContain(KEY);
  }, 240_000);
});
