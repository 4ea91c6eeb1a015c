/**
 * Every relative link in the project's Markdown (README, CONTRIBUTING, CHANGELOG, docs/, grafana/,
 * deploy/) leads to a file that exists, and a link to a heading (`file.md#anchor`, `#anchor`) to a
 * heading that exists there, by GitHub's anchor rules. A repository path named in code
 * (`core/pricing.ts`, `simulator/*.ts`) names a file or folder that exists.
 */
import { existsSync, globSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { anchors, inlineCode, links } from "../helpers/markdown.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const DOCS = [
  "README.md",
  "CONTRIBUTING.md",
  "CHANGELOG.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
  "grafana/README.md",
  "deploy/kubernetes/README.md",
];

describe("links in the documentation", () => {
  it("the documents exist", () => {
    for (const f of DOCS) expect(existsSync(join(ROOT, f)), f).toBe(true);
  });

  it.each(DOCS)("%s: every relative link leads to a file and heading that exist", (doc) => {
    const text = readFileSync(join(ROOT, doc), "utf8");
    const broken: string[] = [];
    for (const { target, line } of links(text)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
      const [path = "", hash] = target.split("#", 2) as [string, string | undefined];
      const file = path === "" ? join(ROOT, doc) : resolve(dirname(join(ROOT, doc)), decodeURIComponent(path));
      if (!file.startsWith(ROOT) || !existsSync(file)) {
        broken.push(`${doc}:${line}: ${target} (no such file)`);
        continue;
      }
      if (hash && file.endsWith(".md") && statSync(file).isFile() && !anchors(readFileSync(file, "utf8")).has(hash)) {
        broken.push(`${doc}:${line}: ${target} (no heading #${hash} in ${relative(ROOT, file)})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it.each(DOCS)("%s: every repository path it names in code exists", (doc) => {
    const top = /^(?:core|simulator|exporter|action|cli|guard|test|bench|scripts|deploy|grafana|docs|dist|\.github|\.ci)\/[\w./*-]*$/;
    const missing = inlineCode(readFileSync(join(ROOT, doc), "utf8"))
      .filter((c) => top.test(c))
      .filter((c) => (c.includes("*") ? globSync(c, { cwd: ROOT }).length === 0 : !existsSync(join(ROOT, c))));
    expect(missing).toEqual([]);
  });

  it("finds GitHub's anchors", () => {
    const a = anchors("# Web config (`--web.config.file`)\n## Why a check failed: the reasons\n## A\n## A\n<a id=\"x-y\"></a>\n");
    expect([...a]).toEqual(["web-config---webconfigfile", "why-a-check-failed-the-reasons", "a", "a-1", "x-y"]);
  });
});
