/**
 * The exporter's metrics. The poller writes them after each balance check; a scrape only serialises
 * what is there, so a scrape never waits for a provider.
 *
 * Two registries hold the same series: one serialised as Prometheus text 0.0.4, one as OpenMetrics
 * 1.0.0. prom-client's content type is a property of the registry, and its OpenMetrics serialiser
 * renames counter objects in place (drops `_total`), so a counter object cannot be shared between
 * the two: every metric exists twice and each update is applied to both copies.
 */
import { Counter, Gauge, type OpenMetricsContentType, Registry, collectDefaultMetrics } from "prom-client";
import { FAILURE_REASONS, type FailureReason } from "../core/reasons.ts";
import type { RunwayEstimate } from "../core/runway/types.ts";

export interface AccountLabels {
  readonly account: string;
  readonly provider: string;
}

export interface BuildInfo {
  readonly version: string;
  readonly revision: string;
  readonly nodejs: string;
}

const CACHED =
  "Cached: refreshed by a background balance check of each account every captcha_poll_interval_seconds (a scrape never calls the provider), so the value is as old as captcha_last_success_timestamp_seconds.";

export const HELP = {
  balance: `Balance of the CAPTCHA-solving account, in the currency named by the currency label, as last reported by the provider. ${CACHED}`,
  spent: `Money spent since the exporter started tracking this account (sum of balance decreases between checks, kept across restarts in the state file), in the currency label's unit. ${CACHED}`,
  deposited: `Money deposited since the exporter started tracking this account (sum of balance increases between checks, kept across restarts in the state file), in the currency label's unit. ${CACHED}`,
  spendRate: `Estimated spend rate in currency units per second, used for the runway. Absent until the exporter has seen the balance fall. ${CACHED}`,
  runway:
    "Estimated seconds until the balance reaches zero at the estimated spend rate. Absent while no spend has been seen (nothing to extrapolate; there is no runway limit to report). Cached: updated after each successful balance check.",
  solves: `How many more solves of each CAPTCHA type the balance pays for at the configured price per solve (floor). ${CACHED}`,
  up: "1 if the last balance check of this account succeeded, 0 if it failed (the other values then keep their last good value). Absent until the first check after start-up has finished.",
  lastSuccess: "Unix time of the last successful balance check of this account, in seconds: the age of the cached values.",
  checkDuration: "How long the last balance check of this account took, in seconds, successful or not.",
  checkErrors:
    "Failed balance checks of this account by reason: auth (key rejected), no_funds, banned, rate_limited, upstream, timeout, network, malformed. Every reason is initialised to 0; kept across restarts in the state file.",
  pollInterval:
    "Seconds between two balance checks of this account when all goes well (failures wait longer: cool-downs and back-off). Bounds the age of the cached values.",
  buildInfo: "Build of captcha-runway exporting these metrics: version, git revision and Node.js version. Always 1.",
} as const;

/** prom-client default metrics we do not expose (see the constructor). */
export const DROPPED_DEFAULT_METRICS = ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"];

type Labelled<L extends string> = Gauge<L> | Counter<L>;

/** One logical metric held twice (text and OpenMetrics registries). */
type AnyRegistry = Registry | Registry<OpenMetricsContentType>;

class Twin<L extends string, M extends Labelled<L>> {
  readonly copies: readonly M[];
  constructor(make: (registry: AnyRegistry, omNaming: boolean) => M, text: AnyRegistry, om: AnyRegistry) {
    this.copies = [make(text, false), make(om, true)];
  }
  each(fn: (m: M) => void): void {
    for (const c of this.copies) fn(c);
  }
}

function gauge<L extends string>(name: string, help: string, labelNames: readonly L[], text: AnyRegistry, om: AnyRegistry) {
  return new Twin<L, Gauge<L>>((r) => new Gauge<L>({ name, help, labelNames, registers: [r] }), text, om);
}

function counter<L extends string>(name: string, help: string, labelNames: readonly L[], text: AnyRegistry, om: AnyRegistry) {
  // In the OpenMetrics registry the counter is created under its family name (no `_total`): prom-client
  // appends `_total` to the samples, and its in-place renaming then has nothing to rename.
  return new Twin<L, Counter<L>>(
    (r, omNaming) => new Counter<L>({ name: omNaming ? name.replace(/_total$/, "") : name, help, labelNames, registers: [r] }),
    text,
    om,
  );
}

type MoneyLabel = "account" | "provider" | "currency";
type AccountLabel = "account" | "provider";

export interface SuccessUpdate {
  readonly balance: number;
  readonly currency: string;
  readonly estimate: RunwayEstimate;
  readonly solvesRemaining: Readonly<Record<string, number>>;
  readonly durationSeconds: number;
  readonly timestampSeconds: number;
}

export interface FailureUpdate {
  readonly reason: FailureReason;
  readonly durationSeconds: number;
}

/** What survives a restart: absolute counter values and the last success time. */
export interface RestoredCounters {
  readonly currency: string;
  readonly spentTotal: number;
  readonly depositedTotal: number;
  readonly errors: Readonly<Partial<Record<FailureReason, number>>>;
  readonly lastSuccessTimestampSeconds?: number;
}

interface AccountSeries {
  currency: string;
  spent: number;
  deposited: number;
  solveTypes: string[];
}

export interface ExporterMetricsOptions {
  readonly buildInfo: BuildInfo;
  /** Process and Node.js metrics (prom-client collectDefaultMetrics); on by default. */
  readonly defaultMetrics?: boolean;
}

export class ExporterMetrics {
  readonly textRegistry = new Registry();
  readonly openMetricsRegistry = new Registry<OpenMetricsContentType>();
  readonly #balance;
  readonly #spent;
  readonly #deposited;
  readonly #spendRate;
  readonly #runway;
  readonly #solves;
  readonly #up;
  readonly #lastSuccess;
  readonly #duration;
  readonly #errors;
  readonly #interval;
  readonly #accounts = new Map<string, AccountSeries>();

  constructor(options: ExporterMetricsOptions) {
    this.openMetricsRegistry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    const t = this.textRegistry;
    const o = this.openMetricsRegistry;
    const money: MoneyLabel[] = ["account", "provider", "currency"];
    const acct: AccountLabel[] = ["account", "provider"];
    this.#balance = gauge("captcha_balance", HELP.balance, money, t, o);
    this.#spent = counter("captcha_spent_total", HELP.spent, money, t, o);
    this.#deposited = counter("captcha_deposited_total", HELP.deposited, money, t, o);
    this.#spendRate = gauge("captcha_spend_rate_per_second", HELP.spendRate, money, t, o);
    this.#runway = gauge("captcha_runway_seconds", HELP.runway, acct, t, o);
    this.#solves = gauge("captcha_solves_remaining", HELP.solves, ["account", "provider", "captcha_type"], t, o);
    this.#up = gauge("captcha_up", HELP.up, acct, t, o);
    this.#lastSuccess = gauge("captcha_last_success_timestamp_seconds", HELP.lastSuccess, acct, t, o);
    this.#duration = gauge("captcha_check_duration_seconds", HELP.checkDuration, acct, t, o);
    this.#errors = counter("captcha_check_errors_total", HELP.checkErrors, ["account", "provider", "reason"], t, o);
    this.#interval = gauge("captcha_poll_interval_seconds", HELP.pollInterval, acct, t, o);
    const build = gauge("captcha_exporter_build_info", HELP.buildInfo, ["version", "revision", "nodejs"], t, o);
    build.each((g) => g.set({ ...options.buildInfo }, 1));
    if (options.defaultMetrics !== false) {
      for (const r of [t, o] as const) {
        collectDefaultMetrics({ register: r as Registry });
        // Gauges whose names end in _total break the counter naming rule (promtool complains); the same
        // numbers remain available by type in nodejs_active_handles, nodejs_active_requests, nodejs_active_resources.
        for (const name of DROPPED_DEFAULT_METRICS) r.removeSingleMetric(name);
      }
    }
  }

  /** Declares an account: pre-initialises its error counters and restores persisted counters. */
  addAccount(labels: AccountLabels, pollIntervalMs: number, defaultCurrency: string, restored?: RestoredCounters): void {
    const key = seriesKey(labels);
    const l = { account: labels.account, provider: labels.provider };
    const series: AccountSeries = { currency: restored?.currency ?? defaultCurrency, spent: 0, deposited: 0, solveTypes: [] };
    this.#accounts.set(key, series);
    this.#interval.each((g) => g.set(l, pollIntervalMs / 1000));
    for (const reason of FAILURE_REASONS) {
      const n = restored?.errors[reason] ?? 0;
      this.#errors.each((c) => c.inc({ ...l, reason }, Math.max(n, 0)));
    }
    this.#setMoneyCounters(l, series, restored?.spentTotal ?? 0, restored?.depositedTotal ?? 0);
    if (restored?.lastSuccessTimestampSeconds !== undefined) {
      this.#lastSuccess.each((g) => g.set(l, restored.lastSuccessTimestampSeconds!));
    }
  }

  recordSuccess(labels: AccountLabels, u: SuccessUpdate): void {
    const series = this.#series(labels);
    const l = { account: labels.account, provider: labels.provider };
    if (u.currency !== series.currency) this.#moveCurrency(l, series, u.currency);
    const m = { ...l, currency: series.currency };
    this.#balance.each((g) => g.set(m, u.balance));
    this.#setMoneyCounters(l, series, u.estimate.spentTotal, u.estimate.depositedTotal);
    if (u.estimate.spendRatePerSecond === null) this.#spendRate.each((g) => g.remove(m));
    else this.#spendRate.each((g) => g.set(m, u.estimate.spendRatePerSecond!));
    if (u.estimate.runwaySeconds === null || !Number.isFinite(u.estimate.runwaySeconds)) this.#runway.each((g) => g.remove(l));
    else this.#runway.each((g) => g.set(l, u.estimate.runwaySeconds!));
    const types = Object.keys(u.solvesRemaining).sort();
    for (const gone of series.solveTypes.filter((x) => !types.includes(x))) {
      this.#solves.each((g) => g.remove({ ...l, captcha_type: gone }));
    }
    for (const type of types) this.#solves.each((g) => g.set({ ...l, captcha_type: type }, u.solvesRemaining[type]!));
    series.solveTypes = types;
    this.#up.each((g) => g.set(l, 1));
    this.#lastSuccess.each((g) => g.set(l, u.timestampSeconds));
    this.#duration.each((g) => g.set(l, u.durationSeconds));
  }

  recordFailure(labels: AccountLabels, u: FailureUpdate): void {
    this.#series(labels);
    const l = { account: labels.account, provider: labels.provider };
    this.#up.each((g) => g.set(l, 0));
    this.#duration.each((g) => g.set(l, u.durationSeconds));
    this.#errors.each((c) => c.inc({ ...l, reason: u.reason }, 1));
  }

  #series(labels: AccountLabels): AccountSeries {
    const s = this.#accounts.get(seriesKey(labels));
    if (!s) throw new Error(`account ${labels.account} (${labels.provider}) was not added to the metrics`);
    return s;
  }

  #setMoneyCounters(l: { account: string; provider: string }, s: AccountSeries, spent: number, deposited: number): void {
    const m = { ...l, currency: s.currency };
    // Counters only go up: the estimator's totals are monotonic, so the difference is never negative.
    const ds = Math.max(0, spent - s.spent);
    const dd = Math.max(0, deposited - s.deposited);
    this.#spent.each((c) => c.inc(m, ds));
    this.#deposited.each((c) => c.inc(m, dd));
    s.spent += ds;
    s.deposited += dd;
  }

  /** The provider reported another currency than assumed: re-label the money series. */
  #moveCurrency(l: { account: string; provider: string }, s: AccountSeries, currency: string): void {
    const old = { ...l, currency: s.currency };
    for (const twin of [this.#balance, this.#spendRate]) twin.each((g) => g.remove(old));
    for (const twin of [this.#spent, this.#deposited]) twin.each((c) => c.remove(old));
    const spent = s.spent;
    const deposited = s.deposited;
    s.currency = currency;
    s.spent = 0;
    s.deposited = 0;
    this.#setMoneyCounters(l, s, spent, deposited);
  }
}

function seriesKey(l: AccountLabels): string {
  return `${l.account}\u0000${l.provider}`;
}
