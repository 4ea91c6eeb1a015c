/**
 * The exporter's metrics. The poller writes them after each balance check; a scrape only serialises
 * what is there, so a scrape never waits for a provider.
 *
 * The account families (captcha_*) keep one rendered sample line per series, rewritten when the
 * poller sets a value; a scrape joins them (and reuses the join until something changes). The line
 * is the same in both formats; only the family headers differ (OpenMetrics names a counter family
 * without `_total`). Build info and the process/Node.js metrics come from prom-client, with one
 * registry per format: prom-client's content type is a property of the registry, and its OpenMetrics
 * serialiser renames counter objects in place, so a registry cannot serve both formats.
 */
import { collectDefaultMetrics, Gauge, type OpenMetricsContentType, Registry } from "prom-client";
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
  runwayLowerBound:
    "Pessimistic runway in seconds: under the estimator's model the account outlives it with 90 % probability (never above captcha_runway_seconds). Absent when captcha_runway_seconds is. Cached: updated after each successful balance check.",
  exhaustion:
    "Predicted Unix time, in seconds, at which the balance reaches zero: the time of the last successful balance check plus captcha_runway_seconds. Absent when captcha_runway_seconds is. Cached: updated after each successful balance check.",
  solves: `How many more solves of each CAPTCHA type the balance pays for at the configured price per solve (floor). ${CACHED}`,
  up: "1 if the last balance check of this account succeeded, 0 if it failed (the other values then keep their last good value). Absent until the first check after start-up has finished.",
  lastSuccess: "Unix time of the last successful balance check of this account, in seconds: the age of the cached values.",
  checkDuration: "How long the last balance check of this account took, in seconds, successful or not.",
  checkErrors:
    "Failed balance checks of this account by reason: auth (key rejected), no_funds, banned, rate_limited, upstream, timeout, network, malformed. Every reason is initialised to 0; kept across restarts in the state file.",
  pollInterval:
    "Seconds between two balance checks of this account when all goes well (failures wait longer: cool-downs and back-off). Bounds the age of the cached values.",
  shardOrdinal:
    "Which shard of the configured accounts this exporter polls (--shard or the StatefulSet pod's ordinal), from 0; 0 when not sharded. Each account belongs to the shard its name hashes to (FNV-1a 32-bit modulo captcha_exporter_total_shards).",
  totalShards: "How many shards the configured accounts are split into (--total-shards); 1 when not sharded. Every replica of one job should report the same number.",
  buildInfo: "Build of captcha-runway exporting these metrics: version, git revision and Node.js version. Always 1.",
} as const;

/** prom-client default metrics we do not expose (see the constructor). */
export const DROPPED_DEFAULT_METRICS = ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"];

export const TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
export const OPENMETRICS_CONTENT_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8";

function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  if (v === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(v);
}

/**
 * One metric family whose sample lines are rendered when the poller writes a value, so a scrape only
 * joins ready-made strings: with 1,000 accounts that is the difference between rebuilding ~25,000
 * label sets per scrape and one string join.
 */
class Family<L extends string> {
  readonly name: string;
  readonly #headerText: string;
  readonly #headerOpenMetrics: string;
  readonly #labelNames: readonly L[];
  readonly #values = new Map<string, number>();
  readonly #lines = new Map<string, string>();

  constructor(name: string, help: string, type: "gauge" | "counter", labelNames: readonly L[]) {
    this.name = name;
    this.#labelNames = labelNames;
    this.#headerText = `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`;
    // OpenMetrics names the counter family without `_total`; its samples keep the suffix.
    const family = type === "counter" ? name.replace(/_total$/, "") : name;
    this.#headerOpenMetrics = `# HELP ${family} ${help.replace(/"/g, '\\"')}\n# TYPE ${family} ${type}\n`;
  }

  #key(labels: Readonly<Record<L, string>>): string {
    return `{${this.#labelNames.map((n) => `${n}="${escapeLabelValue(labels[n])}"`).join(",")}}`;
  }

  set(labels: Readonly<Record<L, string>>, value: number): void {
    const k = this.#key(labels);
    this.#values.set(k, value);
    this.#lines.set(k, `${this.name}${k} ${formatValue(value)}\n`);
  }

  inc(labels: Readonly<Record<L, string>>, delta: number): void {
    const k = this.#key(labels);
    this.set(labels, (this.#values.get(k) ?? 0) + Math.max(0, delta));
  }

  get(labels: Readonly<Record<L, string>>): number | undefined {
    return this.#values.get(this.#key(labels));
  }

  remove(labels: Readonly<Record<L, string>>): void {
    const k = this.#key(labels);
    this.#values.delete(k);
    this.#lines.delete(k);
  }

  render(openMetrics: boolean): string {
    let out = openMetrics ? this.#headerOpenMetrics : this.#headerText;
    for (const line of this.#lines.values()) out += line;
    return out;
  }
}

const MONEY = ["account", "provider", "currency"] as const;
const ACCOUNT = ["account", "provider"] as const;

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
  /** --shard / --total-shards (default the only shard). */
  readonly shard?: { readonly ordinal: number; readonly total: number };
  /** Process and Node.js metrics (prom-client collectDefaultMetrics); on by default. */
  readonly defaultMetrics?: boolean;
}

export class ExporterMetrics {
  /** Build info and the process/Node.js metrics, as prom-client renders them in each format. */
  readonly #textRegistry = new Registry();
  readonly #openMetricsRegistry = new Registry<OpenMetricsContentType>();
  readonly #balance = new Family("captcha_balance", HELP.balance, "gauge", MONEY);
  readonly #spent = new Family("captcha_spent_total", HELP.spent, "counter", MONEY);
  readonly #deposited = new Family("captcha_deposited_total", HELP.deposited, "counter", MONEY);
  readonly #spendRate = new Family("captcha_spend_rate_per_second", HELP.spendRate, "gauge", MONEY);
  readonly #runway = new Family("captcha_runway_seconds", HELP.runway, "gauge", ACCOUNT);
  readonly #runwayLow = new Family("captcha_runway_lower_bound_seconds", HELP.runwayLowerBound, "gauge", ACCOUNT);
  readonly #exhaustion = new Family("captcha_runway_exhaustion_timestamp_seconds", HELP.exhaustion, "gauge", ACCOUNT);
  readonly #solves = new Family("captcha_solves_remaining", HELP.solves, "gauge", ["account", "provider", "captcha_type"] as const);
  readonly #up = new Family("captcha_up", HELP.up, "gauge", ACCOUNT);
  readonly #lastSuccess = new Family("captcha_last_success_timestamp_seconds", HELP.lastSuccess, "gauge", ACCOUNT);
  readonly #duration = new Family("captcha_check_duration_seconds", HELP.checkDuration, "gauge", ACCOUNT);
  readonly #errors = new Family("captcha_check_errors_total", HELP.checkErrors, "counter", ["account", "provider", "reason"] as const);
  readonly #interval = new Family("captcha_poll_interval_seconds", HELP.pollInterval, "gauge", ACCOUNT);
  readonly #families: readonly Family<string>[];
  readonly #accounts = new Map<string, AccountSeries>();
  /** Rendered account families, reused until the poller changes a value. */
  #version = 0;
  readonly #cache: [{ version: number; body: Buffer }, { version: number; body: Buffer }] = [
    { version: -1, body: Buffer.alloc(0) },
    { version: -1, body: Buffer.alloc(0) },
  ];

  constructor(options: ExporterMetricsOptions) {
    this.#openMetricsRegistry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    this.#families = [
      this.#balance,
      this.#spent,
      this.#deposited,
      this.#spendRate,
      this.#runway,
      this.#runwayLow,
      this.#exhaustion,
      this.#solves,
      this.#up,
      this.#lastSuccess,
      this.#duration,
      this.#errors,
      this.#interval,
    ] as unknown as Family<string>[];
    for (const r of [this.#textRegistry, this.#openMetricsRegistry] as Registry[]) {
      const build = new Gauge({ name: "captcha_exporter_build_info", help: HELP.buildInfo, labelNames: ["version", "revision", "nodejs"], registers: [r] });
      build.set({ ...options.buildInfo }, 1);
      new Gauge({ name: "captcha_exporter_shard_ordinal", help: HELP.shardOrdinal, registers: [r] }).set(options.shard?.ordinal ?? 0);
      new Gauge({ name: "captcha_exporter_total_shards", help: HELP.totalShards, registers: [r] }).set(options.shard?.total ?? 1);
      if (options.defaultMetrics !== false) {
        collectDefaultMetrics({ register: r });
        // Gauges whose names end in _total break the counter naming rule (promtool complains); the same
        // numbers remain available by type in nodejs_active_handles, nodejs_active_requests, nodejs_active_resources.
        for (const name of DROPPED_DEFAULT_METRICS) r.removeSingleMetric(name);
      }
    }
  }

  contentType(openMetrics: boolean): string {
    return openMetrics ? OPENMETRICS_CONTENT_TYPE : TEXT_CONTENT_TYPE;
  }

  /**
   * The exposition in one format, as two parts to send in order: the account families (a Buffer
   * shared by every scrape until the poller changes a value) and the prom-client part (build info,
   * process metrics, computed now; for OpenMetrics it ends with `# EOF`).
   */
  async renderParts(openMetrics: boolean): Promise<[Buffer, string]> {
    const cache = this.#cache[openMetrics ? 1 : 0];
    if (cache.version !== this.#version) {
      let text = "";
      for (const f of this.#families) text += f.render(openMetrics);
      cache.body = Buffer.from(text, "utf8");
      cache.version = this.#version;
    }
    const body = cache.body;
    const rest = await (openMetrics ? this.#openMetricsRegistry : this.#textRegistry).metrics();
    return [body, rest];
  }

  /** The whole exposition as one string (tests, tools). */
  async render(openMetrics: boolean): Promise<string> {
    const [head, rest] = await this.renderParts(openMetrics);
    return head.toString("utf8") + rest;
  }

  /** A sample's current value (tests). */
  value(metric: "spent" | "deposited" | "balance", labels: AccountLabels & { currency: string }): number | undefined {
    const f = metric === "spent" ? this.#spent : metric === "deposited" ? this.#deposited : this.#balance;
    return f.get(labels);
  }

  /** Declares an account: pre-initialises its error counters and restores persisted counters. */
  addAccount(labels: AccountLabels, pollIntervalMs: number, defaultCurrency: string, restored?: RestoredCounters): void {
    const key = seriesKey(labels);
    const l = { account: labels.account, provider: labels.provider };
    const series: AccountSeries = { currency: restored?.currency ?? defaultCurrency, spent: 0, deposited: 0, solveTypes: [] };
    this.#accounts.set(key, series);
    this.#interval.set(l, pollIntervalMs / 1000);
    for (const reason of FAILURE_REASONS) this.#errors.set({ ...l, reason }, Math.max(restored?.errors[reason] ?? 0, 0));
    this.#setMoneyCounters(l, series, restored?.spentTotal ?? 0, restored?.depositedTotal ?? 0);
    if (restored?.lastSuccessTimestampSeconds !== undefined) this.#lastSuccess.set(l, restored.lastSuccessTimestampSeconds);
    this.#version++;
  }

  recordSuccess(labels: AccountLabels, u: SuccessUpdate): void {
    this.#setValues(labels, u);
    const l = { account: labels.account, provider: labels.provider };
    this.#up.set(l, 1);
    this.#lastSuccess.set(l, u.timestampSeconds);
    this.#duration.set(l, u.durationSeconds);
    this.#version++;
  }

  /**
   * After a reload (SIGHUP): the values the replaced exporter showed, before this one has checked,
   * so a reload does not blank captcha_balance, captcha_up or the runway until the next check.
   */
  restoreValues(labels: AccountLabels, u: Omit<SuccessUpdate, "durationSeconds">, up: boolean | null): void {
    this.#setValues(labels, u);
    if (up !== null) this.#up.set({ account: labels.account, provider: labels.provider }, up ? 1 : 0);
    this.#version++;
  }

  /** `timestampSeconds`: when the balance was read (the exhaustion time is counted from it). */
  #setValues(labels: AccountLabels, u: Omit<SuccessUpdate, "durationSeconds">): void {
    const series = this.#series(labels);
    const l = { account: labels.account, provider: labels.provider };
    if (u.currency !== series.currency) this.#moveCurrency(l, series, u.currency);
    const m = { ...l, currency: series.currency };
    this.#balance.set(m, u.balance);
    this.#setMoneyCounters(l, series, u.estimate.spentTotal, u.estimate.depositedTotal);
    if (u.estimate.spendRatePerSecond === null) this.#spendRate.remove(m);
    else this.#spendRate.set(m, u.estimate.spendRatePerSecond);
    const runway = u.estimate.runwaySeconds;
    if (runway === null || !Number.isFinite(runway)) {
      this.#runway.remove(l);
      this.#runwayLow.remove(l);
      this.#exhaustion.remove(l);
    } else {
      this.#runway.set(l, runway);
      const low = u.estimate.runwayLowerBoundSeconds;
      if (low === null || !Number.isFinite(low)) this.#runwayLow.remove(l);
      else this.#runwayLow.set(l, low);
      this.#exhaustion.set(l, u.timestampSeconds + runway);
    }
    const types = Object.keys(u.solvesRemaining).sort();
    for (const gone of series.solveTypes.filter((x) => !types.includes(x))) this.#solves.remove({ ...l, captcha_type: gone });
    for (const type of types) this.#solves.set({ ...l, captcha_type: type }, u.solvesRemaining[type]!);
    series.solveTypes = types;
  }

  recordFailure(labels: AccountLabels, u: FailureUpdate): void {
    this.#series(labels);
    const l = { account: labels.account, provider: labels.provider };
    this.#up.set(l, 0);
    this.#duration.set(l, u.durationSeconds);
    this.#errors.inc({ ...l, reason: u.reason }, 1);
    this.#version++;
  }

  #series(labels: AccountLabels): AccountSeries {
    const s = this.#accounts.get(seriesKey(labels));
    if (!s) throw new Error(`account ${labels.account} (${labels.provider}) was not added to the metrics`);
    return s;
  }

  #setMoneyCounters(l: AccountLabels, s: AccountSeries, spent: number, deposited: number): void {
    const m = { account: l.account, provider: l.provider, currency: s.currency };
    // Counters only go up: the estimator's totals are monotonic, so the difference is never negative.
    s.spent = Math.max(s.spent, spent);
    s.deposited = Math.max(s.deposited, deposited);
    this.#spent.set(m, s.spent);
    this.#deposited.set(m, s.deposited);
  }

  /** The provider reported another currency than assumed: re-label the money series. */
  #moveCurrency(l: AccountLabels, s: AccountSeries, currency: string): void {
    const old = { account: l.account, provider: l.provider, currency: s.currency };
    for (const f of [this.#balance, this.#spendRate, this.#spent, this.#deposited]) f.remove(old);
    s.currency = currency;
    this.#setMoneyCounters(l, s, s.spent, s.deposited);
  }
}

function seriesKey(l: AccountLabels): string {
  return `${l.account}\u0000${l.provider}`;
}
