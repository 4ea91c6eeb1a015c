/**
 * The README is for users: at most 250 lines, and every command it (or any other document) shows is
 * one that works. Each `captcha-runway …` / `npx captcha-runway …` command in a shell block (and the
 * CLI arguments of a `podman run` of the image) goes through the CLI's own parser, strict as the real
 * run: an unknown command or flag, a bad choice or a missing required flag fails; exporter commands
 * also go through the exporter's flag validation. Inline `captcha-runway …` spans in the README name a
 * real command and real flags. Every `npm run X` / `npm test` shown has a script in package.json.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCli } from "../../cli/run.ts";
import { type RawExporterFlags, resolveExporterOptions } from "../../exporter/flags.ts";
import { commandOptions } from "../helpers/cli-options.ts";
import { codeBlocks, inlineCode, shellCommands, shellWords } from "../helpers/markdown.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const read = (file: string) => readFileSync(join(ROOT, file), "utf8");
const README = read("README.md");
const DOCS = [
  "README.md",
  "CONTRIBUTING.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
  "grafana/README.md",
  "deploy/kubernetes/README.md",
].filter((f) => existsSync(join(ROOT, f)));
const SCRIPTS = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts;
const SHELL = new Set(["sh", "bash", "shell", "console", ""]);

/** The CLI arguments of a simple command that runs captcha-runway, or undefined. */
function cliArgs(words: readonly string[]): string[] | undefined {
  let w = [...words];
  while (w.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(w[0]!)) w = w.slice(1); // VAR=value prefixes
  if (w[0] === "npx") {
    w = w.slice(1);
    while (w[0]?.startsWith("-")) w = w.slice(1);
  }
  if (w[0] === "captcha-runway") return w.slice(1);
  if ((w[0] === "podman" || w[0] === "docker") && w[1] === "run") {
    // the image: [registry/]path/captcha-runway[:tag], not a volume or path that ends with the name
    const image = w.findIndex((x) => /^(?:[a-z0-9.-]+(?::\d+)?\/)+captcha-runway(?::[\w.-]+)?$/.test(x));
    if (image > 0) return w.slice(image + 1);
  }
  return undefined;
}

/** Whether the arguments parse as the CLI parses them; the error message otherwise. */
async function accepts(args: string[]): Promise<true | string> {
  try {
    const { command, args: parsed } = await parseCli(args);
    if (command === "") return "no command ran";
    if (command === "exporter") resolveExporterOptions(parsed as RawExporterFlags);
    return true;
  } catch (err) {
    return (err as Error).message;
  }
}

interface Shown {
  readonly file: string;
  readonly line: number;
  readonly words: string[];
}

/** The simple commands of a document's shell blocks; in a block with `$ ` prompts, only those lines. */
function shownCommands(file: string): Shown[] {
  return codeBlocks(read(file))
    .filter((b) => SHELL.has(b.lang))
    .flatMap((b) => {
      const prompts = b.text.split("\n").filter((l) => l.startsWith("$ "));
      const text = prompts.length > 0 ? prompts.map((l) => l.slice(2)).join("\n") : b.text;
      return shellCommands(text).map((words) => ({ file, line: b.line, words }));
    });
}

function npmScript(words: readonly string[]): string | undefined {
  if (words[0] !== "npm") return undefined;
  if (words[1] === "test") return "test";
  return words[1] === "run" || words[1] === "run-script" ? words[2] : undefined;
}

const shown = DOCS.flatMap(shownCommands);
const cliCommands = shown.flatMap((s) => {
  const args = cliArgs(s.words);
  return args ? [{ ...s, args }] : [];
});

describe("README.md", () => {
  it("is at most 250 lines", () => {
    expect(README.split("\n").length - (README.endsWith("\n") ? 1 : 0)).toBeLessThanOrEqual(250);
  });

  it("shows a minimal exporter and check command, which the test reads", () => {
    const inReadme = new Set(cliCommands.filter((c) => c.file === "README.md").map((c) => c.args[0]));
    for (const command of ["exporter", "check"]) expect(inReadme, `a ${command} example`).toContain(command);
  });

  it("names only real commands and flags in its inline captcha-runway code", () => {
    const spans = inlineCode(README)
      .map((s) => cliArgs(shellWords(s)))
      .filter((a): a is string[] => a !== undefined && a.length > 0);
    expect(spans.length).toBeGreaterThan(0);
    for (const args of spans) {
      const options = commandOptions(args[0]!);
      expect(options, `command in \`captcha-runway ${args.join(" ")}\``).toBeDefined();
      for (const flag of args.filter((a) => a.startsWith("--")).map((a) => a.slice(2).split("=")[0]!)) {
        expect([...options!, "help", "version"], `--${flag} of captcha-runway ${args[0]}`).toContain(flag);
      }
    }
  });

  it("runs only npm scripts that package.json has, and shows the test command .ci/run runs", () => {
    const scripts = [...shown.filter((s) => s.file === "README.md").map((s) => s.words), ...inlineCode(README).map((s) => shellWords(s))]
      .map(npmScript)
      .filter((s) => s !== undefined);
    expect(scripts).toContain("demo");
    expect(scripts).toContain("test");
    for (const s of scripts) expect(Object.keys(SCRIPTS), `npm run ${s}`).toContain(s);
    expect(README).toContain("npm ci && npm test");
    expect(read(".ci/run")).toMatch(/^npm test$/m);
  });
});

describe("commands shown in the documentation", () => {
  it("include the README's and the docs' (the test reads them)", () => {
    expect(cliCommands.filter((c) => c.file === "README.md").length).toBeGreaterThanOrEqual(5);
    expect(new Set(cliCommands.map((c) => c.file)).size).toBeGreaterThanOrEqual(4);
  });

  it.each(cliCommands.map((c) => [`${c.file}:${c.line}`, c.words.join(" "), c] as const))("%s: the CLI accepts %s", async (_at, _shown, c) => {
    expect(await accepts(c.args)).toBe(true);
  });

  it("run only npm scripts that package.json has", () => {
    for (const s of shown) {
      const script = npmScript(s.words);
      if (script !== undefined) expect(Object.keys(SCRIPTS), `${s.file}:${s.line}: npm run ${script}`).toContain(script);
    }
  });
});

describe("the command check itself", () => {
  it("finds the CLI arguments behind env prefixes, npx and a container image", () => {
    expect(cliArgs(shellWords("CAPTCHA_API_KEY=… npx --offline captcha-runway balance --json"))).toEqual(["balance", "--json"]);
    expect(cliArgs(shellWords("podman run -d --name captcha-runway -v state:/var/lib/captcha-runway localhost/captcha-runway exporter --demo"))).toEqual([
      "exporter",
      "--demo",
    ]);
    expect(cliArgs(shellWords("systemctl enable --now captcha-runway"))).toBeUndefined();
    expect(shellCommands("npm ci && npm run demo # comment\ncaptcha-runway replay h.csv > out.jsonl")).toEqual([
      ["npm", "ci"],
      ["npm", "run", "demo"],
      ["captcha-runway", "replay", "h.csv"],
    ]);
  });

  it.each([
    ["an unknown command", ["frobnicate"]],
    ["an unknown flag", ["exporter", "--demo", "--no-such-flag"]],
    ["a misspelt flag", ["check", "--batch", "image=1", "--margn", "10%"]],
    ["a bad choice", ["exporter", "--demo", "--log.level", "loud"]],
    ["exporter flags that do not go together", ["exporter", "--demo", "--provider", "capsolver"]],
    ["a missing required flag", ["check"]],
    ["placeholder syntax", ["balance", "[--json]"]],
  ])("rejects %s", async (_what, args) => {
    expect(await accepts(args)).not.toBe(true);
  });
});
