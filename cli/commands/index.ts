import type { CommandModule } from "yargs";

// Each command module exports a yargs CommandModule; add yours here (one line each).
// biome-ignore lint/suspicious/noExplicitAny: yargs command modules have heterogeneous argument types
export const commands: CommandModule<any, any>[] = [];
