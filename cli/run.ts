import yargs from "yargs";
import { commands } from "./commands/index.ts";

class UsageError extends Error {}

/**
 * Parses argv and runs one command; resolves to the process exit code.
 * Command handlers report their outcome by setting `process.exitCode` (0 ok, 1 a negative verdict,
 * 2 could not do the job / bad input). Usage errors exit 2 with a message naming what was wrong.
 */
export async function runCli(argv: string[]): Promise<number> {
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
  for (const command of commands) parser.command(command);
  try {
    await parser.parseAsync();
  } catch (err) {
    const hint = err instanceof UsageError ? "\nRun 'captcha-runway --help' for usage." : "";
    process.stderr.write(`captcha-runway: ${(err as Error).message}${hint}\n`);
    return 2;
  }
  return typeof process.exitCode === "number" ? process.exitCode : 0;
}
