/** Version and git revision for captcha_exporter_build_info, read from the package without spawning git. */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BuildInfo } from "./metrics.ts";

function findPackageRoot(start: string): string | null {
  let dir = start;
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string };
      if (pkg.name === "captcha-runway") return dir;
    } catch {
      // keep looking upwards
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

function readRevision(root: string): string {
  try {
    const head = readFileSync(join(root, ".git", "HEAD"), "utf8").trim();
    if (/^[0-9a-f]{40}$/.test(head)) return head.slice(0, 12);
    const ref = /^ref: (refs\/[\w./-]+)$/.exec(head)?.[1];
    if (!ref) return "unknown";
    try {
      return readFileSync(join(root, ".git", ref), "utf8").trim().slice(0, 12);
    } catch {
      const packed = readFileSync(join(root, ".git", "packed-refs"), "utf8");
      const line = packed.split("\n").find((l) => l.endsWith(` ${ref}`));
      return line ? line.slice(0, 12) : "unknown";
    }
  } catch {
    return "unknown";
  }
}

let cached: BuildInfo | null = null;

export function buildInfo(): BuildInfo {
  if (cached) return cached;
  const root = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
  let version = "unknown";
  if (root) {
    try {
      version = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version?: string }).version ?? "unknown";
    } catch {
      // leave unknown
    }
  }
  const revision = process.env.CAPTCHA_RUNWAY_REVISION ?? (root ? readRevision(root) : "unknown");
  cached = { version, revision, nodejs: process.version };
  return cached;
}
