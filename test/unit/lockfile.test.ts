/**
 * package-lock.json is one that `npm ci` accepts on every platform: each optional dependency of each
 * locked package (biome's, esbuild's, rollup's per-platform binaries, fsevents…) has its own entry,
 * not only those of the machine that last wrote the file. (A lockfile written where some platforms'
 * entries were dropped makes `npm ci` fail elsewhere with "Missing: @biomejs/cli-darwin-arm64 from
 * lock file".) .ci/run also checks that `npm ci` and `npm install` leave it unchanged.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/package.ts";

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  os?: string[];
  cpu?: string[];
}

const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as { lockfileVersion: number; packages: Record<string, LockEntry> };
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as Record<string, Record<string, string> | undefined>;

/** Where npm would resolve `name` from the package at `at` (its own node_modules, then upwards). */
function resolveFrom(at: string, name: string): string | undefined {
  let dir = at;
  for (;;) {
    const candidate = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!dir) return undefined;
    const i = dir.lastIndexOf("/node_modules/");
    dir = i < 0 ? "" : dir.slice(0, i);
  }
}

describe("package-lock.json", () => {
  it("is lockfile version 3 and its root matches package.json", () => {
    expect(lock.lockfileVersion).toBe(3);
    const root = lock.packages[""]!;
    for (const field of ["dependencies", "devDependencies", "optionalDependencies"] as const) {
      expect(root[field] ?? {}, field).toEqual(pkg[field] ?? {});
    }
  });

  it("has an entry for every optional dependency of every package, for every platform", () => {
    const missing: string[] = [];
    let optional = 0;
    for (const [at, entry] of Object.entries(lock.packages)) {
      for (const name of Object.keys(entry.optionalDependencies ?? {})) {
        optional++;
        if (!resolveFrom(at, name)) missing.push(`${at || "(root)"} → ${name}`);
      }
    }
    expect(missing).toEqual([]);
    expect(optional).toBeGreaterThan(0);
    // platform packages for other systems than this one are there too
    const platforms = new Set(Object.values(lock.packages).flatMap((e) => e.os ?? []));
    for (const os of ["linux", "darwin", "win32"]) expect(platforms).toContain(os);
  });

  it("locks every dependency of every package", () => {
    const missing: string[] = [];
    for (const [at, entry] of Object.entries(lock.packages)) {
      for (const name of Object.keys(entry.dependencies ?? {})) if (!resolveFrom(at, name)) missing.push(`${at || "(root)"} → ${name}`);
    }
    expect(missing).toEqual([]);
  });
});
