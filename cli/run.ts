import yargs, { type Argv, type CommandModule } from "yargs";
import { closestMatch } from "../core/edit-distance.ts";
import { commands } from "./commands/index.ts";

class UsageError extends Error {}

const HELP_HINT = "Run 'captcha-runway --help' for usage.";

/** `--api-key`, `--api_key`, `--apiKey`, `--apikey`, with or without `=value`, and their one-dash forms. */
const KEY_FLAG = /^--?api[-_]?key(?:=|$)/i;

/** The refusal of a key given on the command line; names neither the key nor the argument that held it. */
export const KEY_ON_COMMAND_LINE =
  "--api-key: keys are read from CAPTCHA_API_KEY or --api-key-file, never the command line (where other users and shell history see them)";

/**
 * Refuses a key flag before yargs sees it: yargs would name the key itself in "Unknown argument: <key>"
 * (`--api-key KEY`). Arguments after `--` are not flags.
 */
function refuseKeyOnCommandLine(argv: readonly string[]): void {
  const end = argv.indexOf("--");
  if ((end === -1 ? argv : argv.slice(0, end)).some((a) => KEY_FLAG.test(a))) throw new Error(KEY_ON_COMMAND_LINE);
}

/**
 * Re-words yargs' own messages: the flag as the user writes it, and what it expects; a command that
 * does not exist named as such (yargs says "Did you mean check?" or "Unknown argument: chek").
 */
function usageMessage(msg: string, argv: readonly string[], names: readonly string[], known: readonly string[]): string {
  const typed = argv.find((a) => !a.startsWith("-"));
  const unknown = (/^Unknown arguments?: (.+)$/.exec(msg)?.[1] ?? "").split(", ").filter((u) => u !== "");
  if (typed !== undefined && !names.includes(typed)) {
    const shown = COMMAND_LIKE.test(typed) ? `"${typed}"` : "(not shown: it does not look like a command and may be a secret)";
    const suggested = /^Did you mean (\S+)\?$/.exec(msg)?.[1];
    if (suggested !== undefined && names.includes(suggested)) {
      return `unknown command ${shown}; did you mean ${suggested}? (commands: ${names.join(", ")})`;
    }
    if (unknown.includes(typed)) return `unknown command ${shown}; expected one of ${names.join(", ")}`;
  }
  if (unknown.length > 0) return unknownArguments(unknown, argv, known);
  const missing = /^Not enough arguments following: (.+)$/.exec(msg);
  if (missing) {
    const flag = `--${missing[1]}`;
    return `${flag}: needs a value after it (a value starting with "-" that is not a number is written ${flag}=VALUE)`;
  }
  return msg;
}

/** A word shown back as the command typed: short and plain, unlike a key (32 or more characters). */
const COMMAND_LIKE = /^[a-z][a-z0-9_-]{0,23}$/i;

/**
 * yargs' "Unknown arguments: a, b" names stray values as well as misspelt flags, and a stray value may be
 * a key pasted without its flag: misspelt flags are named, stray values only counted.
 */
function unknownArguments(unknown: readonly string[], argv: readonly string[], known: readonly string[]): string {
  const typedAsFlag = (name: string) => argv.some((a) => a.startsWith("-") && a.replace(/^-+/, "").split("=")[0] === name);
  const flags = unknown.filter(typedAsFlag);
  const values = unknown.length - flags.length;
  const parts: string[] = [];
  if (flags.length > 0) {
    const named = flags.map((f) => {
      const near = closestMatch(f, known);
      return near === undefined ? f : `${f} (did you mean --${near}?)`;
    });
    parts.push(`Unknown argument${flags.length > 1 ? "s" : ""}: ${named.join(", ")}`);
  }
  if (values > 0) {
    parts.push(
      `${values === 1 ? "a value" : `${values} values`} without a flag (not shown: it may be a secret); the commands take no positional arguments, a flag's value follows it (--name VALUE)`,
    );
  }
  return parts.join("; ");
}

/** The long option names of the command being parsed (yargs' own --help/--version included). */
function knownOptions(y: Argv): string[] {
  // getOptions() is in yargs' API but not in its type declarations
  const withOptions = y as { getOptions?: () => { key?: Record<string, unknown> } };
  const keys = withOptions.getOptions?.().key ?? {};
  return Object.keys(keys).filter((k) => k.length > 1 && k !== "$0");
}

/** The captcha-runway parser: every command, strict flags, usage errors thrown as UsageError. */
// biome-ignore lint/suspicious/noExplicitAny: yargs command modules have heterogeneous argument types
function cliParser(argv: string[], list: readonly CommandModule<any, any>[]): Argv {
  const names = list.map((c) => String(c.command).split(" ")[0]!);
  const parser = yargs(argv)
    .scriptName("captcha-runway")
    .usage("$0 <command> [options]")
    .strict()
    .demandCommand(1, `no command given; expected one of ${names.join(", ")}`)
    .recommendCommands()
    .help()
    .alias("h", "help")
    .version()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      // throwing stops yargs before any command handler runs; yargs' own complaints (YError) are
      // usage errors too, worded for the user
      if (err && err.name !== "YError") throw err;
      throw new UsageError(usageMessage(msg ?? err?.message ?? "bad arguments", argv, names, knownOptions(parser)));
    });
  for (const command of list) parser.command(command);
  return parser;
}

/**
 * Parses argv and runs one command; resolves to the process exit code.
 * Command handlers report their outcome by setting `process.exitCode` (0 ok, 1 a negative verdict,
 * 2 could not do the job / bad input). Usage errors exit 2 with a message naming what was wrong.
 */
export async function runCli(argv: string[]): Promise<number> {
  try {
    refuseKeyOnCommandLine(argv);
    await cliParser(argv, commands).parseAsync();
  } catch (err) {
    const hint = err instanceof UsageError ? `\n${HELP_HINT}` : "";
    process.stderr.write(`captcha-runway: ${(err as Error).message}${hint}\n`);
    return 2;
  }
  return typeof process.exitCode === "number" ? process.exitCode : 0;
}

/**
 * Parses argv exactly as runCli does (commands, flags, choices, strictness) without running the
 * command: resolves to the command's name and its parsed arguments, or rejects with the error runCli
 * would print. Used by the tests that hold documented commands to the CLI.
 */
export async function parseCli(argv: string[]): Promise<{ command: string; args: Record<string, unknown> }> {
  refuseKeyOnCommandLine(argv);
  let command = "";
  const parseOnly = commands.map((c) => ({
    ...c,
    handler: () => {
      command = String(c.command).split(" ")[0]!;
    },
  }));
  const args = await cliParser(argv, parseOnly).exitProcess(false).parseAsync();
  return { command, args: args as Record<string, unknown> };
}
