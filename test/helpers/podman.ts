/**
 * Debian's podman for the container tests, with the flags these machines need (runc, cgroupfs, low
 * rlimits, host network: see the README's "Install" section), and the local stand-in for the
 * official Node 24 base image (test/helpers/node-stand-in.sh), made once and reused while the Node
 * binary, npm and the script stay the same.
 */
import { type SpawnSyncReturns, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./package.ts";

/** Global flags: crun fails here (cgroups hybrid mode), systemd is not PID 1. */
export const PODMAN = ["podman", "--runtime=runc", "--cgroup-manager=cgroupfs"] as const;
/** The default rlimits cannot be raised on these machines. */
export const ULIMITS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"] as const;
/** The official image's exact name; podman stores the stand-in as localhost/node:24-bookworm-slim. */
export const BASE_IMAGE = "node:24-bookworm-slim";

const HINT = "install Debian's podman, runc and mmdebstrap (apt-get install -y podman runc mmdebstrap), which .ci/run does";

/** Why podman cannot build and run images here, or null when it can. */
export function podmanMissing(): string | null {
  for (const [cmd, arg] of [
    ["podman", "--version"],
    ["runc", "--version"],
    ["mmdebstrap", "--version"],
  ] as const) {
    const r = spawnSync(cmd, [arg], { encoding: "utf8" });
    if (r.status !== 0) return `${cmd} is not available (${r.error?.message ?? `exit ${r.status}`}): ${HINT}`;
  }
  return null;
}

/** Runs podman with the global flags; never throws (callers look at status and output). */
export function podman(args: readonly string[], opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): SpawnSyncReturns<string> {
  return spawnSync(PODMAN[0], [...PODMAN.slice(1), ...args], {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    timeout: opts.timeoutMs ?? 600_000,
    env: opts.env ?? process.env,
    ...(opts.input !== undefined ? { input: opts.input } : {}),
  });
}

/** podman, failing with its output when it fails. */
export function podmanOk(args: readonly string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): string {
  const r = podman(args, opts);
  if (r.status !== 0) throw new Error(`podman ${args.join(" ")} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** podman asynchronously (a build or a run that the test waits on without blocking its event loop). */
export function podmanAsync(args: readonly string[], timeoutMs = 900_000, env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PODMAN[0], [...PODMAN.slice(1), ...args], { stdio: ["ignore", "pipe", "pipe"], env });
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (out += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/**
 * Makes (or reuses) the stand-in base image. The fingerprint covers what goes into it: the Node 24
 * binary's version, npm's version and the script. A lock keeps concurrent test runs from making it twice.
 */
export async function ensureNodeStandIn(): Promise<string> {
  const script = join(ROOT, "test/helpers/node-stand-in.sh");
  const nodeBin = join(ROOT, "node_modules/node/bin/node");
  const nodeVersion = spawnSync(nodeBin, ["--version"], { encoding: "utf8" }).stdout.trim();
  if (!/^v24\./.test(nodeVersion)) throw new Error(`${nodeBin} is ${nodeVersion || "missing"}, expected Node 24 (the node devDependency)`);
  const npmVersion = spawnSync("npm", ["--version"], { encoding: "utf8" }).stdout.trim();
  const fingerprint = `${nodeVersion}-npm${npmVersion}-${createHash("sha256").update(readFileSync(script)).digest("hex").slice(0, 12)}`;
  const lock = join(tmpdir(), "captcha-runway-node-stand-in.lock");
  const r = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
    const child = spawn("flock", [lock, "bash", script, nodeBin, fingerprint], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (out += c));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out }));
  });
  if (r.code !== 0) throw new Error(`making the stand-in for ${BASE_IMAGE} failed (exit ${r.code}):\n${r.out}`);
  return fingerprint;
}

/**
 * Where any form of `secret` occurs in `haystack` (bytes): as is, upper and lower case, base64,
 * base64url, hex, URL-encoded. Returns the forms found (empty when none).
 */
export function secretForms(secret: string): Record<string, Buffer> {
  const raw = Buffer.from(secret, "utf8");
  return {
    raw,
    upper: Buffer.from(secret.toUpperCase()),
    lower: Buffer.from(secret.toLowerCase()),
    base64: Buffer.from(raw.toString("base64").replace(/=+$/, "")),
    base64url: Buffer.from(raw.toString("base64url")),
    hex: Buffer.from(raw.toString("hex")),
    urlencoded: Buffer.from(encodeURIComponent(secret)),
  };
}

export function findSecret(haystack: Buffer, secret: string): string[] {
  return Object.entries(secretForms(secret))
    .filter(([, form]) => haystack.indexOf(form) !== -1)
    .map(([name]) => name);
}
