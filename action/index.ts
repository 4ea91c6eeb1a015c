/** The action's entry point (bundled into dist/index.js): runs the gate, never prints a stack trace. */
import * as core from "@actions/core";
import { proxyFromEnv, proxySecrets } from "../core/proxy.ts";
import { redact } from "../core/redact.ts";
import { run } from "./run.ts";

run().catch((err: unknown) => {
  const secrets = [core.getInput("api-key"), core.getInput("github-token"), ...proxySecrets(proxyFromEnv(process.env))].filter((s) => s !== "");
  core.setFailed(redact(`Unexpected error: ${(err as Error)?.message ?? String(err)}`, secrets));
});
