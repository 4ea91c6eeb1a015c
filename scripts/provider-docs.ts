/**
 * Rewrites what the docs and action.yml say about the built-in providers from their definitions
 * (core/providers/services/*.ts): the README's provider list, the provider table (docs/providers.md), the interval table
 * (docs/exporter.md), the action's `provider` input row (docs/action.md), and action.yml's
 * description and `provider` input. Run it after adding or changing a provider: `npm run docs:providers`.
 * test/unit/provider-definitions.test.ts fails while the files differ from what this writes.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  actionDescription,
  actionDocsProviderInputRow,
  actionProviderInput,
  intervalTable,
  providerTable,
  readmeProviderList,
  wrap,
} from "../core/providers/describe.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

function between(text: string, open: string, close: string, content: string, file: string): string {
  const a = text.indexOf(open);
  const b = text.indexOf(close, a);
  if (a < 0 || b < 0) throw new Error(`${file}: markers ${open} … ${close} not found`);
  const start = text.indexOf("\n", a) + 1;
  return `${text.slice(0, start)}${content}\n${text.slice(b)}`;
}

function replaceBlock(text: string, pattern: RegExp, replacement: string, file: string): string {
  if (!pattern.test(text)) throw new Error(`${file}: ${pattern} not found`);
  return text.replace(pattern, () => replacement);
}

/** Reads `file` (relative to the repository), applies `edit`, writes it back. */
function rewrite(file: string, edit: (text: string) => string): void {
  const path = `${root}${file}`;
  writeFileSync(path, edit(readFileSync(path, "utf8")));
}

rewrite("README.md", (t) => between(t, "<!-- provider-list:", "<!-- /provider-list -->", readmeProviderList(), "README.md"));
rewrite("docs/providers.md", (t) => between(t, "<!-- providers:", "<!-- /providers -->", providerTable(), "docs/providers.md"));
rewrite("docs/exporter.md", (t) =>
  between(t, "<!-- provider-intervals:", "<!-- /provider-intervals -->", intervalTable(), "docs/exporter.md"),
);
rewrite("docs/action.md", (t) => replaceBlock(t, /^\| `provider` \| `captchaai` \|.*$/m, actionDocsProviderInputRow(), "docs/action.md"));
rewrite("action.yml", (t) => {
  const described = replaceBlock(t, /^description: >-\n(?: {2}.*\n)+/m, `description: >-\n${wrap(actionDescription(), 104, "  ")}\n`, "action.yml");
  return replaceBlock(
    described,
    /^ {2}provider:\n {4}description: (?:>-\n(?: {6}.*\n)+|.*\n)/m,
    `  provider:\n    description: >-\n${wrap(actionProviderInput(), 104, "      ")}\n`,
    "action.yml",
  );
});
process.stdout.write("README.md, docs/providers.md, docs/exporter.md, docs/action.md and action.yml rewritten from core/providers/services/\n");
