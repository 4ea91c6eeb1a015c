/**
 * The `exporter` command's body, testable without a process: validates the flags, loads the web and
 * account configuration, starts the exporter, and stops it cleanly on SIGTERM/SIGINT (state written,
 * exit 0). Bad input: one clear line on stderr, exit 2.
 *
 * SIGHUP reloads, as exporter-toolkit exporters reload their web config: the web config file, the
 * accounts file and the key files are read again; if anything is wrong the error is logged and the
 * running configuration stays. Otherwise the exporter is replaced within the process: state written
 * and restored, each account keeping its schedule and its values, on the same address (the
 * listening socket is reopened, so a connection in that instant may be refused).
 */
import { isInputError, listenErrorMessage } from "../core/errors.ts";
import { startDemo } from "./demo.ts";
import { type ExporterConfig, type ResumeHint, startExporter, type RunningExporter } from "./exporter.ts";
import { formatListenAddress, type ListenAddress, type RawExporterFlags, resolveExporterOptions } from "./flags.ts";
import { createLogger, type Logger } from "./logger.ts";
import type { PolledAccount } from "./poller.ts";
import { resolveAccounts } from "./accounts.ts";
import { accountsOfShard, resolveShard, type Shard } from "./shard.ts";
import { stateKey } from "./state-file.ts";
import { EMPTY_WEB_CONFIG, loadWebConfig, type WebConfig } from "./web-config.ts";

export interface RunHooks {
  readonly env?: NodeJS.ProcessEnv;
  /** --shard.from-pod-name without $POD_NAME (default os.hostname). */
  readonly hostname?: () => string;
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
    // SIGHUP (a reload, handled once the exporter runs) must never kill the process, even during start-up
    const onHup = () => {};
    process.once("SIGTERM", onTerm);
    process.once("SIGINT", onInt);
    process.on("SIGHUP", onHup);
    dispose = () => {
      process.off("SIGTERM", onTerm);
      process.off("SIGINT", onInt);
      process.off("SIGHUP", onHup);
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
  let listenShown: string | undefined;
  try {
    const options = resolveExporterOptions(raw);
    listenShown = formatListenAddress(options.listen);
    const shard = resolveShard(raw, { env, ...(hooks.hostname ? { hostname: hooks.hostname } : {}) });
    logger = createLogger({ level: options.logLevel, format: options.logFormat, ...(hooks.logWrite ? { write: hooks.logWrite } : {}) });
    const webConfig = options.webConfigFile ? await loadWebConfig(options.webConfigFile) : EMPTY_WEB_CONFIG;
    let accounts: PolledAccount[];
    if (options.accounts.kind === "demo") {
      const demo = await startDemo();
      demoClose = demo.close;
      accounts = [demo.account];
      logger.info("demo mode: polling the built-in simulator; no real provider is called", { simulator: demo.simulatorUrl });
    } else {
      accounts = ownAccounts(await resolveAccounts(options.accounts, env, options.network), shard, logger);
    }
    const log = logger;
    const configFor = (web: WebConfig, accts: PolledAccount[], listen: ListenAddress, resume?: Map<string, ResumeHint>): ExporterConfig => ({
      accounts: accts,
      listen,
      telemetryPath: options.telemetryPath,
      webConfig: web,
      stateFile: options.stateFile,
      stateWriteIntervalMs: options.stateWriteIntervalMs,
      logger: log,
      shard,
      demo: options.accounts.kind === "demo",
      ...(demoClose ? { onStop: demoClose } : {}),
      ...(resume ? { resume } : {}),
    });
    exporter = await startExporter(configFor(webConfig, accounts, options.listen));
    hooks.onStarted?.(exporter);

    let current = { webConfig, accounts };
    let fatal: (err: unknown) => void = () => {};
    const failed = new Promise<never>((_, reject) => {
      fatal = reject;
    });
    failed.catch(() => {});
    const source = options.accounts;
    const reload = async (): Promise<void> => {
      if (source.kind === "demo") {
        log.info("SIGHUP: nothing to reload in --demo");
        return;
      }
      let next: typeof current;
      try {
        next = {
          webConfig: options.webConfigFile ? await loadWebConfig(options.webConfigFile) : EMPTY_WEB_CONFIG,
          accounts: ownAccounts(await resolveAccounts(source, env, options.network), shard, log),
        };
      } catch (err) {
        log.error("SIGHUP: configuration not reloaded; the running one stays", { err: (err as Error)?.message ?? String(err) });
        return;
      }
      const old = exporter!;
      // the same address, even when the flag asked for port 0
      const listen = { host: options.listen.host, port: old.server.port };
      const resume = old.resumeHints();
      await old.stop();
      exporter = null;
      try {
        exporter = await startExporter(configFor(next.webConfig, next.accounts, listen, resume));
      } catch (err) {
        log.error("SIGHUP: cannot start with the reloaded configuration; going back to the running one", {
          err: (err as Error)?.message ?? String(err),
        });
        try {
          exporter = await startExporter(configFor(current.webConfig, current.accounts, listen, resume));
        } catch (again) {
          fatal(again);
          return;
        }
        hooks.onStarted?.(exporter);
        return;
      }
      const before = new Set(current.accounts.map((a) => stateKey(a.name, a.providerLabel)));
      const after = new Set(next.accounts.map((a) => stateKey(a.name, a.providerLabel)));
      current = next;
      hooks.onStarted?.(exporter);
      log.info("configuration reloaded", {
        accounts: after.size,
        added: [...after].filter((k) => !before.has(k)).length,
        removed: [...before].filter((k) => !after.has(k)).length,
        web_config: options.webConfigFile ?? "(none)",
      });
    };
    let reloading = Promise.resolve();
    const onHup = () => {
      log.info("SIGHUP: reloading the configuration");
      reloading = reloading.then(reload);
    };
    if (!hooks.stopSignal) process.on("SIGHUP", onHup);
    try {
      const why = await Promise.race([hooks.stopSignal ?? signals!.promise, failed]);
      await reloading;
      log.info("shutting down", { signal: typeof why === "string" ? why : "stop" });
      await exporter?.stop();
    } finally {
      process.off("SIGHUP", onHup);
    }
    return 0;
  } catch (err) {
    await exporter?.stop().catch(() => {});
    if (!exporter) await demoClose?.().catch(() => {});
    if (isInputError(err)) {
      errorOut(`captcha-runway exporter: ${err.message}\n`);
      return 2;
    }
    const e = err as NodeJS.ErrnoException;
    const busy = listenErrorMessage(e, listenShown ?? "the --web.listen-address", "--web.listen-address");
    if (busy) {
      errorOut(`captcha-runway exporter: ${busy}\n`);
      return 2;
    }
    if (logger) logger.error("exporter failed", { err: e?.message ?? String(err) });
    else errorOut(`captcha-runway exporter: ${e?.message ?? String(err)}\n`);
    return 1;
  } finally {
    signals?.dispose();
  }
}

/** The accounts this shard polls (all of them unsharded); a shard left with none says so and serves only its own metrics. */
function ownAccounts(all: PolledAccount[], shard: Shard, logger: Logger): PolledAccount[] {
  if (shard.total === 1) return all;
  const own = accountsOfShard(all, shard);
  logger.info("sharding: this exporter polls the accounts whose name hashes to its shard", {
    shard: shard.ordinal,
    total_shards: shard.total,
    accounts: own.length,
    configured: all.length,
  });
  if (own.length === 0) logger.warn("sharding: no configured account hashes to this shard; it polls nothing", { shard: shard.ordinal, total_shards: shard.total });
  return own;
}
