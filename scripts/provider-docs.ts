/**
 * Rewrites what the README and action.yml say about the built-in providers from their definitions
 * (core/providers/services/*.ts): the provider and interval tables, the action's description and its
 * `provider` input. Run it after adding or changing a provider: `npm run docs:providers`.
 * test/unit/provider-definitions.test.ts fails while the files differ from what this writes.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  actionDescription,
  actionProviderInput,
  intervalTable,
  providerTable,
  readmeProviderInputRow,
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

const readmePath = `${root}README.md`;
let readme = readFileSync(readmePath, "utf8");
readme = between(readme, "<!-- providers:", "<!-- /providers -->", providerTable(), "README.md");
readme = between(readme, "<!-- provider-intervals:", "<!-- /provider-intervals -->", intervalTable(), "README.md");
readme = replaceBlock(readme, /^\| `provider` \| `captchaai` \|.*$/m, readmeProviderInputRow(), "README.md");
writeFileSync(readmePath, readme);

const actionPath = `${root}action.yml`;
let action = readFileSync(actionPath, "utf8");
action = replaceBlock(action, /^description: >-\n(?: {2}.*\n)+/m, `description: >-\n${wrap(actionDescription(), 104, "  ")}\n`, "action.yml");
action = replaceBlock(
  action,
  /^ {2}provider:\n {4}description: (?:>-\n(?: {6}.*\n)+|.*\n)/m,
  `  provider:\n    description: >-\n${wrap(actionProviderInput(), 104, "      ")}\n`,
  "action.yml",
);
writeFileSync(actionPath, action);
process.stdout.write("README.md and action.yml rewritten from core/providers/services/\n");
