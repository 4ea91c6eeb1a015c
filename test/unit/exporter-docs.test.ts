/**
 * docs/exporter.md's flag table and the exporter's flags are the same set: every option the
 * `exporter` command declares has a row, and every flag in the table is one the command declares;
 * the defaults the table shows are the ones the exporter applies.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseListenAddress, type RawExporterFlags, resolveExporterOptions } from "../../exporter/flags.ts";
import { commandOptions } from "../helpers/cli-options.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const DOC = readFileSync(join(ROOT, "docs/exporter.md"), "utf8");

/** The rows (cells) of the table under `## Flags` that name flags. */
function rows(): string[][] {
  const section = DOC.slice(DOC.indexOf("\n## Flags\n"), DOC.indexOf("\n## ", DOC.indexOf("\n## Flags\n") + 1));
  const lines = section.split("\n").filter((l) => l.startsWith("| `--"));
  expect(lines.length).toBeGreaterThan(5);
  return lines.map((l) => l.split("|").slice(1, -1).map((c) => c.trim()));
}

/** The flags named in the first column. */
function documented(): string[] {
  return rows().flatMap((r) => [...r[0]!.matchAll(/`--([a-z][a-z0-9.-]*)/g)].map((m) => m[1]!));
}

/** The default column of the row of `--flag`, unquoted. */
function defaultOf(flag: string): string {
  const row = rows().find((r) => new RegExp(`^\`--${flag.replace(/\./g, "\\.")}[\` ]`).test(r[0]!));
  expect(row, `a row for --${flag}`).toBeDefined();
  return /^`(.*)`$/.exec(row![1]!)?.[1] ?? row![1]!;
}

describe("docs/exporter.md's flags", () => {
  it("are exactly the exporter's flags", () => {
    expect([...new Set(documented())].sort()).toEqual(commandOptions("exporter")!.sort());
  });

  it("each appear in the table once", () => {
    const flags = documented();
    expect(flags.filter((f, i) => flags.indexOf(f) !== i)).toEqual([]);
  });

  it("show the defaults the exporter applies", () => {
    const base: RawExporterFlags = { "config.file": "accounts.yml" };
    const defaults = resolveExporterOptions(base);
    expect(parseListenAddress(defaultOf("web.listen-address"))).toEqual(defaults.listen);
    expect(defaultOf("web.telemetry-path")).toBe(defaults.telemetryPath);
    expect(defaultOf("state.file")).toBe(defaults.stateFile);
    expect(resolveExporterOptions({ ...base, "state.write-interval": defaultOf("state.write-interval") }).stateWriteIntervalMs).toBe(defaults.stateWriteIntervalMs);
    expect(defaultOf("log.level")).toBe(defaults.logLevel);
    expect(defaultOf("log.format")).toBe(defaults.logFormat);
  });
});
