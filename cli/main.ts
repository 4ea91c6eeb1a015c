#!/usr/bin/env node
import { reexecWithExporterFlags } from "./node-flags.ts";
import { nodeVersionProblem } from "./node-version.ts";

// On an older Node, one sentence and exit 2 instead of a SyntaxError from the first newer API.
const tooOld = nodeVersionProblem(process.version, process.execPath);
if (tooOld) {
  process.stderr.write(`${tooOld}\n`);
  process.exit(2);
}
// Before anything is loaded: the exporter may need to restart with V8 flags (see node-flags.ts).
reexecWithExporterFlags(process.argv.slice(2));
const { runCli } = await import("./run.ts");
process.exitCode = await runCli(process.argv.slice(2));
