/** The options a captcha-runway command declares, read from its own yargs builder. */
import yargs, { type Argv } from "yargs";
import { commands } from "../../cli/commands/index.ts";

/** yargs has getOptions() at run time but leaves it out of its types. */
interface WithOptions {
  getOptions(): { key: Record<string, unknown>; alias: Record<string, string[]> };
}

/**
 * Option names (aliases included, yargs' own `help` and `version` left out) of the command `name`,
 * or undefined when there is no such command.
 */
export function commandOptions(name: string): string[] | undefined {
  const command = commands.find((c) => String(c.command).split(" ")[0] === name);
  if (!command) return undefined;
  if (typeof command.builder !== "function") throw new Error(`${name}: expected a builder function`);
  const y = command.builder(yargs([])) as Argv & WithOptions;
  const { key, alias } = y.getOptions();
  return [...new Set([...Object.keys(key), ...Object.values(alias).flat()])].filter((k) => k !== "help" && k !== "version");
}
