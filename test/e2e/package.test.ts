/**
 * The npm package as an operator installs it: `npm pack` (prepack builds and stamps the revision),
 * `npm install --omit=dev` of the tarball into an empty folder with the system's npm, then the
 * installed `captcha-runway exporter --demo` under Node 24, scraped over loopback. And the systemd
 * unit, checked by `systemd-analyze verify` against a root where the same tarball is installed the
 * way the README says (`npm install -g`, into that root's /usr/local).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, sample, scrape } from "../integration/exporter-harness.ts";
import { installTarball, type InstalledPackage, nodeMajorOn, type PackedTarball, packWorkingTree, pathWithTestNode, ROOT, systemPath, treeSize } from "../helpers/package.ts";

const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  version: string;
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

let packed: PackedTarball;
let installed: InstalledPackage;

beforeAll(() => {
  packed = packWorkingTree();
  installed = installTarball(packed.tarball, join(packed.dir, "install"));
  const size = treeSize(join(installed.prefix, "node_modules"));
  console.info(`package: tarball ${packed.size} B, unpacked ${packed.unpackedSize} B, installed with --omit=dev ${size} B (${(size / 1024 / 1024).toFixed(1)} MiB)`);
}, 240_000);
afterAll(() => {
  if (packed) rmSync(packed.dir, { recursive: true, force: true });
});

/** README's Install section: the commands these tests run must be the ones it shows. */
const INSTALL = (() => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const at = readme.indexOf("\n## Install\n");
  return readme.slice(at, readme.indexOf("\n## ", at + 1));
})();

describe("npm package", () => {
  it("README's Install section shows the commands run here", () => {
    for (const cmd of [
      "npm install -g captcha-runway\n",
      "captcha-runway exporter --demo\n",
      "`npm install --omit=dev captcha-runway`",
      "`npx captcha-runway exporter --demo`",
      'install -m 0644 "$(npm root -g)/captcha-runway/deploy/systemd/captcha-runway.service" /etc/systemd/system/\n',
    ]) {
      expect(INSTALL).toContain(cmd);
    }
  });

  it("holds the built CLI, the licence, the changelog, the Grafana files and the systemd unit; no sources or tests", () => {
    for (const f of ["build/cli/main.js", "build/exporter/build-info.json", "LICENSE", "CHANGELOG.md", "README.md", "package.json", "grafana/prometheus/alerts.yml", "deploy/systemd/captcha-runway.service"]) {
      expect(packed.files).toContain(f);
    }
    const stray = packed.files.filter((f) => /\.ts$/.test(f) && !f.endsWith(".d.ts")).concat(packed.files.filter((f) => /^(test|bench|dist|\.ci|\.github|scripts)\//.test(f)));
    expect(stray).toEqual([]);
    const stamp = JSON.parse(readFileSync(join(installed.prefix, "node_modules/captcha-runway/build/exporter/build-info.json"), "utf8"));
    expect(stamp.revision).toBe(packed.revision);
  });

  it("installs its production dependencies only, and no TypeScript is needed to install it", () => {
    const nm = join(installed.prefix, "node_modules");
    for (const dep of Object.keys(pkg.dependencies)) expect(existsSync(join(nm, dep, "package.json")), dep).toBe(true);
    for (const dev of Object.keys(pkg.devDependencies)) expect(existsSync(join(nm, dev)), dev).toBe(false);
    expect(existsSync(installed.bin)).toBe(true);
  });

  it("warns a user whose npm runs on a Node older than engines.node, and only then", () => {
    const major = nodeMajorOn(systemPath());
    const required = Number(/^>=(\d+)$/.exec(pkg.engines.node)?.[1]);
    expect(required).toBeGreaterThan(0);
    if (major !== null && major < required) {
      expect(installed.npmOutput).toMatch(/EBADENGINE[\s\S]*captcha-runway@/);
    } else {
      expect(installed.npmOutput).not.toContain("EBADENGINE");
    }
  });

  it("on a Node older than engines.node, the installed command says so in one line and exits 2 (no SyntaxError)", () => {
    const major = nodeMajorOn(systemPath());
    const required = Number(/^>=(\d+)$/.exec(pkg.engines.node)?.[1]);
    const old = major !== null && major < required;
    const r = spawnSync(installed.bin, ["--version"], {
      cwd: installed.prefix,
      env: { PATH: old ? systemPath() : pathWithTestNode(systemPath()), HOME: process.env.HOME },
      encoding: "utf8",
      timeout: 30_000,
    });
    if (!old) {
      // no older Node on this machine: the check must at least let the supported one through
      expect(r.status).toBe(0);
      expect(r.stdout.trim()).toBe(pkg.version);
      return;
    }
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(new RegExp(`^captcha-runway needs Node\\.js ${required} or later; this is Node\\.js v${major}\\.\\d+\\.\\d+ \\(\\S+\\)\\. [^\\n]+\\n$`));
    expect(r.stderr).not.toMatch(/SyntaxError|at .*\.js:\d+/);
  });

  it("runs `captcha-runway exporter --demo` with Node 24: /metrics has the demo balance and the build's real revision", async () => {
    const child: ChildProcess = spawn(installed.bin, ["exporter", "--demo", "--web.listen-address", "127.0.0.1:0"], {
      cwd: installed.prefix,
      env: { PATH: pathWithTestNode(systemPath()), HOME: process.env.HOME },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout!.on("data", (c) => (out += c));
    child.stderr!.on("data", (c) => (out += c));
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    try {
      const address = await eventually(() => /msg="exporter listening" address=\S+ url=(\S+)/.exec(out)?.[1], `the exporter to listen (output: ${out})`, 30_000);
      const body = await eventually(async () => {
        const b = (await scrape(`${address}/metrics`)).body;
        return sample(b, "captcha_balance", { account: "demo", provider: "demo" }) !== undefined ? b : undefined;
      }, "the demo balance on /metrics", 30_000);
      expect(sample(body, "captcha_balance", { account: "demo", provider: "demo" })).toBeGreaterThan(0);
      expect(packed.revision).toMatch(/^[0-9a-f]{12}$/);
      expect(sample(body, "captcha_exporter_build_info", { version: pkg.version, revision: packed.revision, nodejs: process.version })).toBe(1);
      expect(process.version).toMatch(/^v24\./);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      clearTimeout(killer);
      child.kill("SIGKILL");
    }
  });
});

describe("systemd unit deploy/systemd/captcha-runway.service", () => {
  const UNIT = join(ROOT, "deploy/systemd/captcha-runway.service");
  let root: string;

  beforeAll(() => {
    // A filesystem root with the package installed globally, as README's systemd steps do.
    root = join(packed.dir, "root");
    mkdirSync(join(root, "etc/systemd/system"), { recursive: true });
    const r = spawnSync("npm", ["install", "-g", "--no-audit", "--no-fund", "--prefix", join(root, "usr/local"), packed.tarball], {
      env: { ...process.env, PATH: systemPath() },
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`npm install -g failed:\n${r.stdout}\n${r.stderr}`);
    // README: install -m 0644 "$(npm root -g)/captcha-runway/deploy/systemd/captcha-runway.service" /etc/systemd/system/
    const npmRoot = spawnSync("npm", ["root", "-g", "--prefix", join(root, "usr/local")], { env: { ...process.env, PATH: systemPath() }, encoding: "utf8" }).stdout.trim();
    const shipped = join(npmRoot, "captcha-runway/deploy/systemd/captcha-runway.service");
    expect(readFileSync(shipped, "utf8")).toBe(readFileSync(UNIT, "utf8"));
    copyFileSync(shipped, join(root, "etc/systemd/system/captcha-runway.service"));
    // ExecReload's `kill` is the system's own (procps), as on any host the unit is installed on
    mkdirSync(join(root, "usr/bin"), { recursive: true });
    copyFileSync("/usr/bin/kill", join(root, "usr/bin/kill"));
    chmodSync(join(root, "usr/bin/kill"), 0o755);
  }, 120_000);

  const analyze = (...args: string[]) => spawnSync("systemd-analyze", args, { cwd: root, encoding: "utf8" });

  it("passes systemd-analyze verify (unknown keys, bad values and a missing ExecStart binary all fail it)", () => {
    const r = analyze("verify", "--man=no", "--recursive-errors=no", `--root=${root}`, join(root, "etc/systemd/system/captcha-runway.service"));
    expect(r.error, "systemd-analyze (Debian's systemd package) must be installed").toBeUndefined();
    expect(`${r.stdout}${r.stderr}`).toBe("");
    expect(r.status).toBe(0);
    // the ExecStart binary is the installed package's bin
    expect(existsSync(join(root, "usr/local/bin/captcha-runway"))).toBe(true);
  });

  it("is hardened: DynamicUser, StateDirectory, LoadCredential for the key, ProtectSystem=strict, NoNewPrivileges; exposure 'OK'", () => {
    const text = readFileSync(UNIT, "utf8");
    for (const line of ["DynamicUser=yes", "StateDirectory=captcha-runway", "LoadCredential=api-key:/etc/captcha-runway/api-key", "ProtectSystem=strict", "NoNewPrivileges=yes", "CapabilityBoundingSet=", "ExecReload=kill -HUP $MAINPID"]) {
      expect(text.split("\n")).toContain(line);
    }
    // the key is read from the credential, never passed on the command line or in the environment
    expect(text).toMatch(/^ExecStart=.* --api-key-file %d\/api-key /m);
    expect(text).not.toMatch(/CAPTCHA_API_KEY/);
    const r = analyze("security", "--offline=yes", `--root=${root}`, "--no-pager", "captcha-runway.service");
    const level = /Overall exposure level for captcha-runway\.service: ([\d.]+) (\w+)/.exec(r.stdout);
    expect(level, r.stdout + r.stderr).not.toBeNull();
    expect(Number(level![1])).toBeLessThan(2);
    expect(level![2]).toBe("OK");
  });
});
