/**
 * The `exporter` command's body, testable without a process: validates the flags, loads the web and
 * account configuration, starts the exporter, and stops it cleanly on SIGTERM/SIGINT (state written,
 * exit 0). Bad input: one clear line on stderr, exit 2.
 */
import { isInputError } from "../core/errors.ts";
import { startDemo } from "./demo.ts";
import { startExporter, type RunningExporter } from "./exporter.ts";
import { type RawExporterFlags, resolveExporterOptions } from "./flags.ts";
import { createLogger, type Logger } from "./logger.ts";
import type { PolledAccount } from "./poller.ts";
import { resolveAccounts } from "./accounts.ts";
import { EMPTY_WEB_CONFIG, loadWebConfig } from "./web-config.ts";

export interface RunHooks {
  readonly env?: NodeJS.ProcessEnv;
  /** Where usage errors go (default stderr). */
  readonly errorOut?: (line: string) => void;
  /** Log line sink (default stderr). */
  readonly logWrite?: (line: string) => void;
  /** Called once the exporter is listening (tests). */
  readonly onStarted?: (exporter: RunningExporter) => void;
  /** Resolves when the exporter should stop (default: SIGTERM or SIGINT). */
  readonly stopSignal?: Promise<unknown>;
}

function signalPromise(): { promise: Promise<string>; dispose(): void } {
  let dispose = () => {};
  const promise = new Promise<string>((resolve) => {
    const onTerm = () => resolve("SIGTERM");
    const onInt = () => resolve("SIGINT");
    process.once("SIGTERM", onTerm);
    process.once("SIGINT", onInt);
    dispose = () => {
      process.off("SIGTERM", onTerm);
      process.off("SIGINT", onInt);
    };
  });
  return { promise, dispose };
}

/** Runs until stopped; resolves to the exit code. */
export async function runExporterCommand(raw: RawExporterFlags, hooks: RunHooks = {}): Promise<number> {
  const errorOut = hooks.errorOut ?? ((line: string) => process.stderr.write(line));
  const env = hooks.env ?? process.env;
  let logger: Logger | null = null;
  let exporter: RunningExporter | null = null;
  let demoClose: (() => Promise<void>) | undefined;
  const signals = hooks.stopSignal ? null : signalPromise();
  try {
    const options = resolveExporterOptions(raw);
    logger = createLogger({ level: options.logLevel, format: options.logFormat, ...(hooks.logWrite ? { write: hooks.logWrite } : {}) });
    const webConfig = options.webConfigFile ? await loadWebConfig(options.webConfigFile) : EMPTY_WEB_CONFIG;
    let accounts: PolledAccount[];
    if (options.accounts.kind === "demo") {
      const demo = await startDemo();
      demoClose = demo.close;
      accounts = [demo.account];
      logger.info("demo mode: polling the built-in simulator; no real provider is called", { simulator: demo.simulatorUrl });
    } else {
      accounts = await resolveAccounts(options.accounts, env, options.network);
    }
    exporter = await startExporter({
      accounts,
      listen: options.listen,
      telemetryPath: options.telemetryPath,
      webConfig,
      stateFile: options.stateFile,
      stateWriteIntervalMs: options.stateWriteIntervalMs,
      logger,
      demo: options.accounts.kind === "demo",
      ...(demoClose ? { onStop: demoClose } : {}),
    });
    hooks.onStarted?.(exporter);
    const why = await (hooks.stopSignal ?? signals!.promise);
    logger.info("shutting down", { signal: typeof why === "string" ? why : "stop" });
    await exporter.stop();
    return 0;
  } catch (err) {
    await exporter?.stop().catch(() => {});
    if (!exporter) await demoClose?.().catch(() => {});
    if (isInputError(err)) {
      errorOut(`captcha-runway exporter: ${err.message}\n`);
      return 2;
    }
    const e = err as NodeJS.ErrnoException;
    if (e?.code === "EADDRINUSE" || e?.code === "EACCES" || e?.code === "EADDRNOTAVAIL") {
      errorOut(`captcha-runway exporter: cannot listen on --web.listen-address (${e.code}: ${e.message.replace(/^listen \w+: /, "")})\n`);
      return 2;
    }
    if (logger) logger.error("exporter failed", { err: e?.message ?? String(err) });
    else errorOut(`captcha-runway exporter: ${e?.message ?? String(err)}\n`);
    return 1;
  } finally {
    signals?.dispose();
  }
}
