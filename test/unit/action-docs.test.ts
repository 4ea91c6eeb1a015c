/**
 * Keeps the documented inputs/outputs tables in sync with action.yml (names, defaults, both ways), and
 * action.yml's defaults in sync with the defaults the code applies. The tables are read from docs/action.md,
 * after its `<!-- action-inputs -->` and `<!-- action-outputs -->` markers. The workflow examples in
 * README.md and docs/action.md use only inputs action.yml declares, and outputs it sets.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DEFAULTS } from "../../action/inputs.ts";
import { codeBlocks } from "../helpers/markdown.ts";

const ROOT = resolve(import.meta.dirname, "../..");

interface ActionYml {
  runs: { using: string; main: string };
  inputs: Record<string, { description?: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description?: string }>;
}

const action = parse(readFileSync(join(ROOT, "action.yml"), "utf8")) as ActionYml;

function docText(): { file: string; text: string } {
  return { file: "docs/action.md", text: readFileSync(join(ROOT, "docs/action.md"), "utf8") };
}

/** The rows (cells, trimmed) of the first Markdown table after `marker`, header and separator dropped. */
function tableAfter(text: string, marker: string): string[][] {
  const at = text.indexOf(marker);
  expect(at, `marker ${marker}`).toBeGreaterThanOrEqual(0);
  const lines = text.slice(at + marker.length).split("\n");
  let i = 0;
  while (i < lines.length && lines[i]!.trim() === "") i++;
  const rows: string[][] = [];
  for (; i < lines.length && lines[i]!.trim().startsWith("|"); i++) {
    const cells = lines[i]!.trim().replace(/^\||\|$/g, "").split(/(?<!\\)\|/).map((c) => c.trim());
    rows.push(cells);
  }
  expect(rows.length, `table after ${marker}`).toBeGreaterThan(2);
  return rows.slice(2);
}

const unquote = (cell: string) => /^`(.*)`$/.exec(cell)?.[1];

describe("action.yml and its documentation", () => {
  const { file, text } = docText();

  it("runs the committed bundle on Node 24", () => {
    expect(action.runs).toEqual({ using: "node24", main: "dist/index.js" });
  });

  it(`documents every input with its default in ${file}, and nothing else`, () => {
    const rows = tableAfter(text, "<!-- action-inputs -->");
    const documented = new Map(rows.map((r) => [unquote(r[0]!), r[1]!]));
    expect([...documented.keys()].sort()).toEqual(Object.keys(action.inputs).sort());
    for (const [name, spec] of Object.entries(action.inputs)) {
      const cell = documented.get(name)!;
      if (spec.required) expect(cell, name).toBe("required");
      else if (spec.default !== undefined) expect(unquote(cell), name).toBe(String(spec.default));
      else expect(cell, name).toBe("—");
      expect(spec.description, name).toBeTruthy();
    }
  });

  it(`documents every output in ${file}, and nothing else`, () => {
    const rows = tableAfter(text, "<!-- action-outputs -->");
    expect(rows.map((r) => unquote(r[0]!)).sort()).toEqual(Object.keys(action.outputs).sort());
    for (const [name, spec] of Object.entries(action.outputs)) expect(spec.description, name).toBeTruthy();
  });

  it("declares the defaults the code applies", () => {
    for (const [name, value] of Object.entries(DEFAULTS)) {
      expect(action.inputs[name]?.default, name).toBe(value);
    }
    const withDefaults = Object.entries(action.inputs).filter(([n, s]) => s.default !== undefined && n !== "github-token");
    expect(withDefaults.map(([n]) => n).sort()).toEqual(Object.keys(DEFAULTS).sort());
  });

  it.each(["README.md", "docs/action.md"])("%s: its workflow examples use only declared inputs and outputs", (doc) => {
    const text = readFileSync(join(ROOT, doc), "utf8");
    const steps: { with?: Record<string, unknown>; id?: string }[] = [];
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(visit);
      else if (node && typeof node === "object") {
        const o = node as Record<string, unknown>;
        if (typeof o.uses === "string" && /(^\.\/?$|\/captcha-runway@)/.test(o.uses)) steps.push(o as (typeof steps)[number]);
        Object.values(o).forEach(visit);
      }
    };
    for (const b of codeBlocks(text).filter((b) => b.lang === "yaml" || b.lang === "yml")) visit(parse(b.text));
    expect(steps.length, `${doc}: steps that use the action`).toBeGreaterThan(0);
    for (const step of steps) {
      for (const input of Object.keys(step.with ?? {})) expect(Object.keys(action.inputs), `${doc}: with: ${input}`).toContain(input);
    }
    for (const m of text.matchAll(/steps\.[\w-]+\.outputs\.([\w-]+)/g)) expect(Object.keys(action.outputs), `${doc}: outputs.${m[1]}`).toContain(m[1]);
  });
});
