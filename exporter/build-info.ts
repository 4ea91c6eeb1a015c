/** Version and git revision for captcha_exporter_build_info: the version from package.json, the revision stamped at build time. */
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

/**
 * The revision `npm run build` stamped beside this module (scripts/stamp-revision.ts); run from the
 * sources there is none, and CAPTCHA_RUNWAY_REVISION (or "unknown") stands in. `.git` is never read.
 */
function stampedRevision(): string | null {
  try {
    const stamp = JSON.parse(readFileSync(new URL("./build-info.json", import.meta.url), "utf8")) as { revision?: unknown };
    return typeof stamp.revision === "string" && stamp.revision !== "" ? stamp.revision : null;
  } catch {
    return null;
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
  const revision = stampedRevision() ?? (process.env.CAPTCHA_RUNWAY_REVISION || "unknown");
  cached = { version, revision, nodejs: process.version };
  return cached;
}
