/**
 * Assembles the exporter: metrics, one poller per account, state file, HTTP server. `startExporter`
 * is the programmatic entry point (tests, benchmarks); `cli/commands/exporter.ts` wraps it.
 */
import { proxyFromEnv, proxySecrets } from "../core/proxy.ts";
import type { FailureReason, RetryPolicy } from "../core/reasons.ts";
import { RunwayEstimator } from "../core/runway/estimator.ts";
import type { ListenAddress } from "./flags.ts";
import { AttemptJournal } from "./attempt-journal.ts";
import { buildInfo } from "./build-info.ts";
import { renderLandingInSlices } from "./landing.ts";
import { LandingCache } from "./landing-cache.ts";
import type { Logger } from "./logger.ts";
import { ExporterMetrics } from "./metrics.ts";
import { AccountPoller, type AccountStatus, DEFAULT_MAX_HISTORY, emptyErrors, type Estimator, type PolledAccount, uncheckedStatus } from "./poller.ts";
import { createApp, listen, type RunningServer, SERVER_LIMITS, type ServerLimits } from "./server.ts";
import { NO_SHARDING, type Shard } from "./shard.ts";
import { hasSpendHistory, warmFromSpendHistory } from "./spend-history.ts";
import { assertStateDirWritable } from "./state-dir.ts";
import {
  type AccountState,
  keepCopy,
  loadStateOrQuarantine,
  removeStaleTempFiles,
  STATE_FORMAT,
  STATE_VERSION,
  type StateDocument,
  StateWriter,
  stateKey,
} from "./state-file.ts";
import { type BasicAuthOptions, BasicAuthChecker } from "./basic-auth.ts";
import { EMPTY_WEB_CONFIG, type WebConfig } from "./web-config.ts";

export interface ExporterConfig {
  readonly accounts: readonly PolledAccount[];
  readonly listen: ListenAddress;
  readonly telemetryPath: string;
  readonly webConfig?: WebConfig;
  /** null: no state file. */
  readonly stateFile: string | null;
  readonly stateWriteIntervalMs: number;
  readonly logger: Logger;
  /** Which shard of the configured accounts `accounts` is (already filtered; shard.ts). Default: the only one. */
  readonly shard?: Shard;
  readonly demo?: boolean;
  /** Tests: shorter cool-downs, request timeout, process metrics off. */
  readonly retryPolicy?: Readonly<Record<FailureReason, RetryPolicy>>;
  readonly requestTimeoutMs?: number;
  readonly defaultMetrics?: boolean;
  readonly maxHistory?: number;
  /** Tests: smaller connection limits and timeouts, basic-auth bounds. */
  readonly serverLimits?: ServerLimits;
  readonly basicAuth?: BasicAuthOptions;
  /** Extra work on stop (the demo's simulator). */
  readonly onStop?: () => Promise<void>;
  /**
   * After a reload (SIGHUP): when each account (stateKey) was next due in the exporter this one
   * replaces. Such an account keeps that schedule instead of a fresh first check, and counts as ready.
   */
  readonly resume?: ReadonlyMap<string, ResumeHint>;
}

/** What a reloaded exporter carries over from the one it replaces, per account. */
export interface ResumeHint {
  /** When the next check was due, unix ms. */
  readonly nextCheckAtMs: number;
  /** captcha_up as it was (null: not checked yet). */
  readonly up: boolean | null;
}

export interface RunningExporter {
  readonly url: string;
  readonly metricsUrl: string;
  readonly metrics: ExporterMetrics;
  readonly pollers: readonly AccountPoller[];
  readonly server: RunningServer;
  readonly auth: BasicAuthChecker;
  readonly landing: LandingCache;
  isReady(): boolean;
  /** Resolves once every account has had its first check (success or failure). */
  whenReady(): Promise<void>;
  /** Per account (stateKey): when it is next due (now for one being checked) and whether it is up: for a reload. */
  resumeHints(): Map<string, ResumeHint>;
  /** Stops polling, writes the state file, closes the server. Idempotent. */
  stop(): Promise<void>;
}

export async function startExporter(config: ExporterConfig): Promise<RunningExporter> {
  const { logger } = config;
  for (const a of config.accounts) {
    logger.addSecret(a.apiKey);
    for (const secret of proxySecrets(a.network?.proxyUrl)) logger.addSecret(secret);
  }
  for (const secret of proxySecrets(proxyFromEnv(process.env))) logger.addSecret(secret);
  const webConfig = config.webConfig ?? EMPTY_WEB_CONFIG;
  const info = buildInfo();
  const shard = config.shard ?? NO_SHARDING;
  const metrics = new ExporterMetrics({ buildInfo: info, shard, defaultMetrics: config.defaultMetrics !== false });

  let restored = new Map<string, AccountState>();
  let journal: AttemptJournal | null = null;
  if (config.stateFile) {
    // a directory that cannot take a file, an unreadable state file or journal: refused here
    // (InputError, exit 2), before anything is overwritten
    await assertStateDirWritable(config.stateFile);
    restored = await loadStateOrQuarantine(config.stateFile, logger);
    await removeStaleTempFiles(config.stateFile, logger);
    journal = AttemptJournal.open(config.stateFile, config.accounts.length, logger);
  }

  // Restore estimators first: an unusable one costs only its own account (the file is kept as a copy).
  const estimators = new Map<string, Estimator>();
  let copied: Promise<string | null> | null = null;
  for (const a of config.accounts) {
    const key = stateKey(a.name, a.providerLabel);
    const s = restored.get(key);
    if (!s) continue;
    try {
      estimators.set(key, RunwayEstimator.fromState(s.estimator));
    } catch (err) {
      restored.delete(key);
      copied ??= config.stateFile ? keepCopy(config.stateFile) : Promise.resolve(null);
      logger.warn("state file entry unusable; that account starts afresh, the others are restored", {
        path: config.stateFile ?? "(none)",
        account: a.name,
        provider: a.providerLabel,
        reason: `estimator: ${(err as Error).message}`,
        copy: (await copied) ?? "(could not copy the file)",
      });
    }
  }

  const pending = new Set<string>();
  let readyResolve: () => void = () => {};
  const readyPromise = new Promise<void>((r) => {
    readyResolve = r;
  });
  let writer: StateWriter | null = null;
  const pollers: AccountPoller[] = [];
  /** First starts of accounts whose provider keeps a spend history: warm their estimators (spend-history.ts). */
  const warmUps: (() => Promise<void>)[] = [];
  const warming: Promise<void>[] = [];
  const warmAbort = new AbortController();
  const maxHistory = config.maxHistory ?? DEFAULT_MAX_HISTORY;

  for (const a of config.accounts) {
    const key = stateKey(a.name, a.providerLabel);
    const s = restored.get(key);
    const fresh = !estimators.has(key);
    const estimator = estimators.get(key) ?? new RunwayEstimator();
    estimators.set(key, estimator);
    const estimate = estimator.current();
    const status: AccountStatus = {
      ...uncheckedStatus({
        labels: { account: a.name, provider: a.providerLabel },
        intervalMs: a.intervalMs,
        prices: a.prices,
        currency: s?.currency ?? a.currency ?? a.provider.defaultCurrency,
        estimate,
      }),
      // what the state file kept
      balance: s?.balance ?? null,
      lastAttemptAtMs: latestOf(s?.lastAttemptAtMs, journal?.lastAttempt(a.name, a.providerLabel)),
      lastSuccessAtMs: s?.lastSuccessAtMs ?? null,
      errors: s ? { ...emptyErrors(), ...s.errors } : emptyErrors(),
      history: (s?.history ?? []).slice(-maxHistory).map(([t, balance]) => ({ t, balance })),
    };
    const hint = config.resume?.get(key);
    if (hint === undefined) pending.add(key);
    else {
      // a reload: show what the replaced exporter showed until this one has checked
      status.up = hint.up;
      status.valuesCurrent = status.balance !== null;
    }
    metrics.addAccount(status);
    const poller = new AccountPoller(a, {
      metrics,
      logger,
      estimator,
      status,
      maxHistory,
      ...(config.retryPolicy ? { retryPolicy: config.retryPolicy } : {}),
      ...(config.requestTimeoutMs !== undefined ? { requestTimeoutMs: config.requestTimeoutMs } : {}),
      ...(journal ? { onAttempt: (st: AccountStatus) => journal.record(a.name, a.providerLabel, st.lastAttemptAtMs!) } : {}),
      onChecked: () => {
        if (pending.delete(key) && pending.size === 0) {
          logger.info("every account checked once; ready");
          readyResolve();
        }
        writer?.markDirty();
      },
    });
    pollers.push(poller);
    if (fresh && hint === undefined && estimator instanceof RunwayEstimator && hasSpendHistory(a)) {
      warmUps.push(() =>
        warmFromSpendHistory({
          account: a,
          estimator,
          status,
          metrics,
          logger,
          timeoutMs: config.requestTimeoutMs ?? Math.min(10_000, Math.max(1000, a.intervalMs / 2)),
          signal: warmAbort.signal,
        }),
      );
    }
  }
  if (pending.size === 0) readyResolve();

  const snapshot = (): StateDocument => ({
    format: STATE_FORMAT,
    version: STATE_VERSION,
    savedAt: new Date().toISOString(),
    accounts: pollers.map((p, i) => {
      const st = p.status;
      const a = config.accounts[i]!;
      return {
        account: st.labels.account,
        provider: st.labels.provider,
        currency: st.currency,
        estimator: estimators.get(stateKey(a.name, a.providerLabel))!.toState(),
        errors: { ...st.errors },
        balance: st.balance,
        lastAttemptAtMs: st.lastAttemptAtMs,
        lastSuccessAtMs: st.lastSuccessAtMs,
        history: st.history.map((h) => [h.t, h.balance] as const),
      };
    }),
  });
  if (config.stateFile) writer = new StateWriter(config.stateFile, config.stateWriteIntervalMs, snapshot, logger);

  const auth = new BasicAuthChecker(webConfig.basicAuthUsers, config.basicAuth);
  const landing = new LandingCache(() =>
    renderLandingInSlices({
      accounts: pollers.map((p) => p.status),
      telemetryPath: config.telemetryPath,
      version: info.version,
      nowMs: Date.now(),
      shard,
      demo: config.demo === true,
    }),
  );
  const app = createApp({
    metrics,
    telemetryPath: config.telemetryPath,
    webConfig,
    auth,
    landing: () => landing.get(),
    isReady: () => pending.size === 0,
    ...(shard.total > 1
      ? { readyScope: () => ` of shard ${shard.ordinal} of ${shard.total} (${pollers.length} own account${pollers.length === 1 ? "" : "s"}, ${pending.size} pending)` }
      : {}),
    logger,
  });
  let server: RunningServer;
  try {
    server = await listen(app, config.listen, webConfig, config.serverLimits ?? SERVER_LIMITS);
  } catch (err) {
    journal?.close();
    throw err;
  }
  // the spend-history calls go out beside the first balance checks, never in front of them
  for (const w of warmUps) warming.push(w());
  for (const p of pollers) p.start(pollers.length, config.resume?.get(stateKey(p.account.name, p.account.providerLabel))?.nextCheckAtMs);
  logger.info("exporter listening", {
    address: server.address,
    url: server.url,
    telemetry_path: config.telemetryPath,
    accounts: config.accounts.length,
    ...(shard.total > 1 ? { shard: shard.ordinal, total_shards: shard.total } : {}),
    tls: webConfig.tls !== null,
    basic_auth: webConfig.basicAuthUsers.size > 0,
    state_file: config.stateFile ?? "(none)",
    version: info.version,
  });

  let stopping: Promise<void> | null = null;
  return {
    url: server.url,
    metricsUrl: `${server.url}${config.telemetryPath}`,
    metrics,
    pollers,
    server,
    auth,
    landing,
    isReady: () => pending.size === 0,
    whenReady: () => readyPromise,
    resumeHints() {
      const now = Date.now();
      return new Map(
        pollers.map((p) => [stateKey(p.account.name, p.account.providerLabel), { nextCheckAtMs: p.status.nextCheckAtMs ?? now, up: p.status.up }]),
      );
    },
    stop() {
      stopping ??= (async () => {
        warmAbort.abort();
        await Promise.all([...pollers.map((p) => p.stop()), ...warming]);
        journal?.close();
        await writer?.flush();
        await server.close();
        await auth.close();
        await config.onStop?.();
        logger.info("exporter stopped", { state_file: config.stateFile ?? "(none)" });
      })();
      return stopping;
    },
  };
}

function latestOf(...times: (number | null | undefined)[]): number | null {
  const known = times.filter((t): t is number => typeof t === "number");
  return known.length > 0 ? Math.max(...known) : null;
}
