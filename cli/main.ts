#!/usr/bin/env node
import { reexecWithExporterFlags } from "./node-flags.ts";

// Before anything is loaded: the exporter may need to restart with V8 flags (see node-flags.ts).
reexecWithExporterFlags(process.argv.slice(2));
const { runCli } = await import("./run.ts");
process.exitCode = await runCli(process.argv.slice(2));
