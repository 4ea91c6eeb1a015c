/**
 * The README is for users: at most 250 lines, and every command it shows is one that works. Each
 * `captcha-runway …` / `npx captcha-runway …` command in its shell blocks (and the CLI arguments of
 * its `podman run`) goes through the CLI's own parser, strict as the real run (an unknown command or
 * flag, or a bad choice, fails); exporter commands also through the exporter's flag validation. Inline
 * `captcha-runway …` spans name a real command and real flags. Every `npm run X` / `npm test` has a
 * script in package.json.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCli } from "../../cli/run.ts";
import { type RawExporterFlags, resolveExporterOptions } from "../../exporter/flags.ts";
import { commandOptions } from "../helpers/cli-options.ts";
import { codeBlocks, inlineCode, shellCommands, shellWords } from "../helpers/markdown.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const README = readFileSync(join(ROOT, "README.md"), "utf8");
const SCRIPTS = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
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

const shellCode = codeBlocks(README).filter((b) => SHELL.has(b.lang));
const blockCommands = shellCode.flatMap((b) => shellCommands(b.text).map((words) => ({ words, line: b.line })));
const cliCommands = blockCommands.flatMap(({ words, line }) => {
  const args = cliArgs(words);
  return args ? [{ shown: words.join(" "), args, line }] : [];
});
const npmScripts = [
  ...blockCommands.map((c) => c.words),
  ...inlineCode(README).map((s) => shellWords(s)),
].flatMap((w) => (w[0] === "npm" && w[1] === "run" && w[2] ? [w[2]] : w[0] === "npm" && w[1] === "test" ? ["test"] : []));

describe("README.md", () => {
  it("is at most 250 lines", () => {
    expect(README.split("\n").length - (README.endsWith("\n") ? 1 : 0)).toBeLessThanOrEqual(250);
  });

  it("shows captcha-runway commands in its code blocks (the test reads them)", () => {
    expect(cliCommands.length).toBeGreaterThanOrEqual(5);
    const shown = new Set(cliCommands.map((c) => c.args[0]));
    for (const command of ["exporter", "check"]) expect(shown, `a ${command} example`).toContain(command);
  });

  it.each(cliCommands.map((c) => [c.shown, c] as const))("the CLI accepts: %s", async (_shown, c) => {
    expect(await accepts(c.args), `README.md line ${c.line}`).toBe(true);
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

  it("runs only npm scripts that package.json has", () => {
    expect(npmScripts).toContain("demo");
    expect(npmScripts).toContain("test");
    for (const s of npmScripts) expect(Object.keys(SCRIPTS), `npm run ${s}`).toContain(s);
  });

  it("shows as its test command what .ci/run runs", () => {
    const ci = readFileSync(join(ROOT, ".ci/run"), "utf8");
    expect(README).toContain("npm ci && npm test");
    expect(ci).toMatch(/^npm test$/m);
  });
});

describe("the README command check itself", () => {
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
  ])("rejects %s", async (_what, args) => {
    expect(await accepts(args)).not.toBe(true);
  });
});
