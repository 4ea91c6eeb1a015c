/**
 * The npm package as users get it: `npm pack` of the working tree (tracked and untracked, not ignored
 * files: what a clone with these changes would hold) in a throw-away checkout, so `prepack` builds
 * and stamps the revision there without touching this checkout's build/, and `npm install --omit=dev`
 * of the tarball into an empty folder.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface PackedTarball {
  /** Absolute path of the .tgz. */
  readonly tarball: string;
  /** Compressed size in bytes (npm pack --json `size`). */
  readonly size: number;
  /** Sum of the files' sizes (npm pack --json `unpackedSize`). */
  readonly unpackedSize: number;
  readonly files: readonly string[];
  /** The revision the build should carry: this checkout's HEAD, 12 hex digits. */
  readonly revision: string;
  /** The throw-away directory holding the checkout and the tarball. */
  readonly dir: string;
}

/** PATH with the Node running the tests (Node 24, from the `node` devDependency) first. */
export function pathWithTestNode(path = process.env.PATH ?? ""): string {
  return [dirname(process.execPath), path].join(delimiter);
}

/** PATH without this checkout's node_modules/.bin: the system's npm under the system's Node, as a user has it. */
export function systemPath(path = process.env.PATH ?? ""): string {
  return path
    .split(delimiter)
    .filter((p) => p && !p.includes("node_modules"))
    .join(delimiter);
}

function run(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** A checkout of HEAD (git clone --shared, cheap) with the working tree's files copied over it. */
export function workingTreeCheckout(into: string): string {
  const src = join(into, "src");
  run("git", ["clone", "--quiet", "--shared", "--no-checkout", ROOT, src], into);
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" })
    .split("\0")
    .filter((f) => f !== "");
  for (const f of files) {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(join(ROOT, f));
    } catch {
      continue; // deleted in the working tree
    }
    if (!st.isFile()) continue;
    mkdirSync(dirname(join(src, f)), { recursive: true });
    copyFileSync(join(ROOT, f), join(src, f));
  }
  // The dev dependencies prepack needs (tsc), without a second install.
  symlinkSync(join(ROOT, "node_modules"), join(src, "node_modules"), "dir");
  return src;
}

/** `npm pack` in a throw-away checkout of the working tree; the caller removes `dir`. */
export function packWorkingTree(): PackedTarball {
  const dir = mkdtempSync(join(tmpdir(), "captcha-runway-pack-"));
  try {
    const src = workingTreeCheckout(dir);
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: pathWithTestNode() };
    delete env.CAPTCHA_RUNWAY_REVISION; // the revision must come from git, as in a release checkout
    const out = run("npm", ["pack", "--json", "--pack-destination", dir], src, env);
    const info = (JSON.parse(out.slice(out.indexOf("["))) as { filename: string; size: number; unpackedSize: number; files: { path: string }[] }[])[0]!;
    const revision = run("git", ["rev-parse", "HEAD"], ROOT).trim().slice(0, 12);
    return {
      tarball: join(dir, info.filename),
      size: info.size,
      unpackedSize: info.unpackedSize,
      files: info.files.map((f) => f.path).sort(),
      revision,
      dir,
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

export interface InstalledPackage {
  readonly prefix: string;
  /** node_modules/.bin/captcha-runway */
  readonly bin: string;
  /** What npm printed (stdout + stderr). */
  readonly npmOutput: string;
}

/**
 * `npm install --omit=dev TARBALL` into an empty folder, run by the system's npm (PATH without this
 * checkout's node_modules/.bin), as an operator would.
 */
export function installTarball(tarball: string, prefix: string): InstalledPackage {
  mkdirSync(prefix, { recursive: true });
  if (readdirSync(prefix).length > 0) throw new Error(`${prefix} is not empty`);
  const r = spawnSync("npm", ["install", "--omit=dev", "--no-audit", "--no-fund", tarball], {
    cwd: prefix,
    env: { ...process.env, PATH: systemPath() },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`npm install --omit=dev ${tarball} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stdout}\n${r.stderr}`);
  return { prefix, bin: join(prefix, "node_modules", ".bin", "captcha-runway"), npmOutput: `${r.stdout}${r.stderr}` };
}

/** Total size in bytes of the regular files under `dir` (apparent sizes, like `du --apparent-size -b`). */
export function treeSize(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += statSync(join(e.parentPath, e.name)).size;
  }
  return total;
}

/** The Node.js version (major) a command named `node` on `path` reports, or null when there is none. */
export function nodeMajorOn(path: string): number | null {
  const r = spawnSync("node", ["--version"], { env: { ...process.env, PATH: path }, encoding: "utf8" });
  const m = /^v(\d+)\./.exec(r.stdout ?? "");
  return r.status === 0 && m ? Number(m[1]) : null;
}
