/**
 * The layering of the source tree, checked on every .ts file: `core/` imports nothing above it, the
 * simulator and the guard stand on `core/` alone, `exporter/` and `action/` never import each other,
 * and only `cli/` (the one binary) wires the exporter, the simulator and the guard together.
 * Imports are read with the TypeScript parser: `import … from`, `import "…"`, `export … from`,
 * `import x = require("…")`, dynamic `import("…")` and `import("…")` types. A dynamic import whose
 * argument is not a string literal cannot be checked and is itself a failure in the product folders.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/package.ts";

/** For each product folder, the other top-level folders of this repository it may import from. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  core: [],
  simulator: ["core"],
  guard: ["core"],
  action: ["core"],
  // the simulator only for `exporter --demo`
  exporter: ["core", "simulator"],
  cli: ["core", "simulator", "exporter", "guard"],
};

const may = (folder: string) => {
  const others = ALLOWED[folder] ?? [];
  return others.length === 0 ? `nothing outside ${folder}/` : `only from ${folder}/ and ${others.map((a) => `${a}/`).join(", ")}`;
};

interface ImportSite {
  readonly specifier: string | null; // null: a dynamic import of a computed name
  readonly line: number;
}

/** Every import of `source` (see the header), with its 1-based line. */
function importsOf(fileName: string, source: string): ImportSite[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: ImportSite[] = [];
  const add = (node: ts.Node, specifier: string | null) =>
    out.push({ specifier, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1 });
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node, node.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const e = node.moduleReference.expression;
      add(node, ts.isStringLiteral(e) ? e.text : null);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      add(node, arg && ts.isStringLiteralLike(arg) ? arg.text : null);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node, node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** The top-level folder of this repository a relative specifier in `file` lands in (null: a package or node: module). */
function targetFolder(file: string, specifier: string): string | null {
  if (!specifier.startsWith(".")) return null;
  const rel = relative(ROOT, resolve(dirname(file), specifier));
  return rel.startsWith("..") ? ".." : (rel.split(sep)[0] ?? "");
}

/** One line per import that breaks the layering, naming the file, the line and the import. */
function violations(file: string, source: string): string[] {
  const folder = relative(ROOT, file).split(sep)[0] ?? "";
  const allowed = ALLOWED[folder];
  if (!allowed) return [];
  const where = relative(ROOT, file);
  const out: string[] = [];
  for (const { specifier, line } of importsOf(file, source)) {
    if (specifier === null) {
      out.push(`${where}:${line}: a dynamic import() of a computed name (cannot be checked; use a string literal)`);
      continue;
    }
    const target = targetFolder(file, specifier);
    if (target === null || target === folder || allowed.includes(target)) continue;
    out.push(`${where}:${line}: imports "${specifier}" (${target}/): ${folder}/ may import ${may(folder)}`);
  }
  return out;
}

function tsFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.split(sep).includes("node_modules"))
    .map((f) => join(ROOT, folder, f));
}

describe("import boundaries", () => {
  for (const folder of Object.keys(ALLOWED)) {
    it(`${folder}/ imports ${may(folder)}`, () => {
      const files = tsFiles(folder);
      expect(files.length).toBeGreaterThan(0);
      const bad = files.flatMap((f) => violations(f, readFileSync(f, "utf8")));
      expect(bad, `imports across the layering:\n${bad.join("\n")}`).toEqual([]);
    });
  }

  it("reads every form of import, and names the file, the line and the import", () => {
    const file = join(ROOT, "core", "example.ts");
    const source = [
      `import { a } from "../simulator/index.ts";`,
      `import type { B } from "../exporter/types.ts";`,
      `import "../action/side-effect.ts";`,
      `export { c } from "../cli/run.ts";`,
      `export * from "../guard/index.ts";`,
      `const d = await import("../simulator/server.ts");`,
      `type E = typeof import("../exporter/metrics.ts");`,
      `import f = require("../action/inputs.ts");`,
      `const g = await import(name);`,
      `import { h } from "./money.ts";`,
      `import { i } from "../core/currency.ts";`,
      `import { join } from "node:path";`,
      `import yaml from "yaml";`,
    ].join("\n");
    expect(violations(file, source)).toEqual([
      `core/example.ts:1: imports "../simulator/index.ts" (simulator/): core/ may import nothing outside core/`,
      `core/example.ts:2: imports "../exporter/types.ts" (exporter/): core/ may import nothing outside core/`,
      `core/example.ts:3: imports "../action/side-effect.ts" (action/): core/ may import nothing outside core/`,
      `core/example.ts:4: imports "../cli/run.ts" (cli/): core/ may import nothing outside core/`,
      `core/example.ts:5: imports "../guard/index.ts" (guard/): core/ may import nothing outside core/`,
      `core/example.ts:6: imports "../simulator/server.ts" (simulator/): core/ may import nothing outside core/`,
      `core/example.ts:7: imports "../exporter/metrics.ts" (exporter/): core/ may import nothing outside core/`,
      `core/example.ts:8: imports "../action/inputs.ts" (action/): core/ may import nothing outside core/`,
      `core/example.ts:9: a dynamic import() of a computed name (cannot be checked; use a string literal)`,
    ]);
  });

  it("keeps exporter/ and action/ apart, and the simulator off the product above it", () => {
    expect(violations(join(ROOT, "exporter", "x.ts"), `import { run } from "../action/run.ts";`)).toHaveLength(1);
    expect(violations(join(ROOT, "action", "x.ts"), `import { m } from "../exporter/metrics.ts";`)).toHaveLength(1);
    expect(violations(join(ROOT, "action", "x.ts"), `import { s } from "../simulator/index.ts";`)).toHaveLength(1);
    for (const above of ["exporter/main.ts", "action/run.ts", "cli/run.ts"]) {
      expect(violations(join(ROOT, "simulator", "x.ts"), `import { x } from "../${above}";`)).toHaveLength(1);
    }
    expect(violations(join(ROOT, "exporter", "demo.ts"), `import { s } from "../simulator/index.ts";`)).toEqual([]);
  });
});
