import type { CommandModule } from "yargs";
import { balanceCommand } from "./balance.ts";
import { checkCommand } from "./check.ts";
import { exporterCommand } from "./exporter.ts";
import { replayCommand } from "./replay.ts";
import { simulateCommand } from "./simulate.ts";

// Each command module exports a yargs CommandModule: import it above and list it here (one line each).
// biome-ignore lint/suspicious/noExplicitAny: yargs command modules have heterogeneous argument types
export const commands: CommandModule<any, any>[] = [
  balanceCommand,
  checkCommand,
  exporterCommand,
  replayCommand,
  simulateCommand,
];
