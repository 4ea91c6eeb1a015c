import yargs, { type Argv, type CommandModule } from "yargs";
import { commands } from "./commands/index.ts";

class UsageError extends Error {}

/** The captcha-runway parser: every command, strict flags, usage errors thrown as UsageError. */
// biome-ignore lint/suspicious/noExplicitAny: yargs command modules have heterogeneous argument types
function cliParser(argv: string[], list: readonly CommandModule<any, any>[]): Argv {
  const parser = yargs(argv)
    .scriptName("captcha-runway")
    .usage("$0 <command> [options]")
    .strict()
    .demandCommand(1, "Name a command: see 'captcha-runway --help'.")
    .recommendCommands()
    .help()
    .alias("h", "help")
    .version()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      // throwing stops yargs before any command handler runs
      throw err ?? new UsageError(msg);
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
    await cliParser(argv, commands).parseAsync();
  } catch (err) {
    const hint = err instanceof UsageError ? "\nRun 'captcha-runway --help' for usage." : "";
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
