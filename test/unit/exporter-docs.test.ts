/**
 * docs/exporter.md's flag table and the exporter's flags are the same set: every option the
 * `exporter` command declares has a row, and every flag in the table is one the command declares.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { commandOptions } from "../helpers/cli-options.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const DOC = readFileSync(join(ROOT, "docs/exporter.md"), "utf8");

/** The flags named in the first column of the table under `## Flags`. */
function documented(): string[] {
  const section = DOC.slice(DOC.indexOf("\n## Flags\n"), DOC.indexOf("\n## ", DOC.indexOf("\n## Flags\n") + 1));
  const rows = section.split("\n").filter((l) => l.startsWith("| `--"));
  expect(rows.length).toBeGreaterThan(5);
  return rows.flatMap((r) => [...r.split("|")[1]!.matchAll(/`--([a-z][a-z0-9.-]*)/g)].map((m) => m[1]!));
}

describe("docs/exporter.md's flags", () => {
  it("are exactly the exporter's flags", () => {
    expect([...new Set(documented())].sort()).toEqual(commandOptions("exporter")!.sort());
  });

  it("each appear in the table once", () => {
    const flags = documented();
    expect(flags.filter((f, i) => flags.indexOf(f) !== i)).toEqual([]);
  });
});
