/**
 * Every metric the exporter declares, in exposition order: name, type, unit, help and the function
 * that derives its samples from the state it reports (an account's AccountStatus, or the exporter's
 * build and shard). exporter/metrics.ts renders exactly these and nothing else, so a metric cannot
 * be declared without being rendered; a definition without `samples` does not compile.
 * Adding a metric: CONTRIBUTING.md ("Adding a metric").
 */
import { solvesRemaining } from "../core/pricing.ts";
import { FAILURE_REASONS } from "../core/reasons.ts";
import type { AccountStatus } from "./poller.ts";

export type MetricType = "gauge" | "counter";

/**
 * What a value measures. `currency` values (in the unit the sample's `currency` label names) are
 * written through micro-units (core/money.ts), so float noise of sums never shows in /metrics.
 */
export type MetricUnit = "currency" | "currency_per_second" | "seconds" | "timestamp_seconds" | "solves" | "boolean" | "checks" | "info" | "shards";

export interface Sample<L extends string> {
  readonly labels: Readonly<Record<L, string>>;
  readonly value: number;
}

export interface MetricDefinition<S, L extends string = string> {
  readonly name: string;
  readonly type: MetricType;
  readonly unit: MetricUnit;
  readonly help: string;
  /** Label names, in the order they are written. */
  readonly labels: readonly L[];
  /** The family's samples for one source; none while the value is unknown (the series is absent). */
  readonly samples: (source: S) => readonly Sample<NoInfer<L>>[];
}

/** What the exporter-wide metrics are derived from. */
export interface ExporterInfo {
  readonly buildInfo: { readonly version: string; readonly revision: string; readonly nodejs: string };
  readonly shard: { readonly ordinal: number; readonly total: number };
}

export type AccountMetric = MetricDefinition<AccountStatus>;
export type ExporterMetric = MetricDefinition<ExporterInfo>;

/** Keeps each definition's label names and its samples' labels in step (a typo is a compile error). */
function metric<S, L extends string>(definition: MetricDefinition<S, L>): MetricDefinition<S, L> {
  return definition;
}

const CACHED =
  "Cached: refreshed by a background balance check of each account every captcha_poll_interval_seconds (a scrape never calls the provider), so the value is as old as captcha_last_success_timestamp_seconds.";

const MONEY = ["account", "provider", "currency"] as const;
const ACCOUNT = ["account", "provider"] as const;

const account = (s: AccountStatus) => ({ account: s.labels.account, provider: s.labels.provider });
const money = (s: AccountStatus) => ({ account: s.labels.account, provider: s.labels.provider, currency: s.currency });
const one = <L extends string>(labels: Readonly<Record<L, string>>, value: number): Sample<L>[] => [{ labels, value }];
const none: readonly [] = [];

/** A finite runway, while the balance and estimate are this run's; null otherwise. */
function runwayOf(s: AccountStatus): number | null {
  const r = s.estimate.runwaySeconds;
  return s.valuesCurrent && r !== null && Number.isFinite(r) ? r : null;
}

/** The per-account families (captcha_*), one block of series per account. */
export const ACCOUNT_METRICS: readonly AccountMetric[] = [
  metric({
    name: "captcha_balance",
    type: "gauge",
    unit: "currency",
    help: `Balance of the CAPTCHA-solving account, in the currency named by the currency label, as last reported by the provider. ${CACHED}`,
    labels: MONEY,
    samples: (s) => (s.valuesCurrent && s.balance !== null ? one(money(s), s.balance) : none),
  }),
  metric({
    name: "captcha_spent_total",
    type: "counter",
    unit: "currency",
    help: `Money spent since the exporter started tracking this account (sum of balance decreases between checks, kept across restarts in the state file), in the currency label's unit. ${CACHED}`,
    labels: MONEY,
    samples: (s) => one(money(s), s.estimate.spentTotal),
  }),
  metric({
    name: "captcha_deposited_total",
    type: "counter",
    unit: "currency",
    help: `Money deposited since the exporter started tracking this account (sum of balance increases between checks, kept across restarts in the state file), in the currency label's unit. ${CACHED}`,
    labels: MONEY,
    samples: (s) => one(money(s), s.estimate.depositedTotal),
  }),
  metric({
    name: "captcha_spend_rate_per_second",
    type: "gauge",
    unit: "currency_per_second",
    help: `Estimated spend rate in currency units per second, used for the runway. Absent until the exporter has seen the balance fall. ${CACHED}`,
    labels: MONEY,
    samples: (s) => (s.valuesCurrent && s.estimate.spendRatePerSecond !== null ? one(money(s), s.estimate.spendRatePerSecond) : none),
  }),
  metric({
    name: "captcha_runway_seconds",
    type: "gauge",
    unit: "seconds",
    help: "Estimated seconds until the balance reaches zero at the estimated spend rate. Absent while no spend has been seen (nothing to extrapolate; there is no runway limit to report). Cached: updated after each successful balance check.",
    labels: ACCOUNT,
    samples: (s) => {
      const runway = runwayOf(s);
      return runway === null ? none : one(account(s), runway);
    },
  }),
  metric({
    name: "captcha_runway_lower_bound_seconds",
    type: "gauge",
    unit: "seconds",
    help: "Pessimistic runway in seconds: under the estimator's model the account outlives it with 90 % probability (never above captcha_runway_seconds). Absent when captcha_runway_seconds is. Cached: updated after each successful balance check.",
    labels: ACCOUNT,
    samples: (s) => {
      const low = s.estimate.runwayLowerBoundSeconds;
      return runwayOf(s) === null || low === null || !Number.isFinite(low) ? none : one(account(s), low);
    },
  }),
  metric({
    name: "captcha_runway_exhaustion_timestamp_seconds",
    type: "gauge",
    unit: "timestamp_seconds",
    help: "Predicted Unix time, in seconds, at which the balance reaches zero: the time of the last successful balance check plus captcha_runway_seconds. Absent when captcha_runway_seconds is. Cached: updated after each successful balance check.",
    labels: ACCOUNT,
    samples: (s) => {
      const runway = runwayOf(s);
      return runway === null || s.lastSuccessAtMs === null ? none : one(account(s), s.lastSuccessAtMs / 1000 + runway);
    },
  }),
  metric({
    name: "captcha_solves_remaining",
    type: "gauge",
    unit: "solves",
    help: `How many more solves of each CAPTCHA type the balance pays for at the configured price per solve (floor). ${CACHED}`,
    labels: ["account", "provider", "captcha_type"],
    samples: (s) => {
      if (!s.valuesCurrent || s.balance === null) return none;
      const solves = solvesRemaining(s.balance, s.prices);
      return Object.keys(solves)
        .sort()
        .map((type) => ({ labels: { ...account(s), captcha_type: type }, value: solves[type]! }));
    },
  }),
  metric({
    name: "captcha_up",
    type: "gauge",
    unit: "boolean",
    help: "1 if the last balance check of this account succeeded, 0 if it failed (the other values then keep their last good value). Absent until the first check after start-up has finished.",
    labels: ACCOUNT,
    samples: (s) => (s.up === null ? none : one(account(s), s.up ? 1 : 0)),
  }),
  metric({
    name: "captcha_last_success_timestamp_seconds",
    type: "gauge",
    unit: "timestamp_seconds",
    help: "Unix time of the last successful balance check of this account, in seconds: the age of the cached values.",
    labels: ACCOUNT,
    samples: (s) => (s.lastSuccessAtMs === null ? none : one(account(s), s.lastSuccessAtMs / 1000)),
  }),
  metric({
    name: "captcha_check_duration_seconds",
    type: "gauge",
    unit: "seconds",
    help: "How long the last balance check of this account took, in seconds, successful or not.",
    labels: ACCOUNT,
    samples: (s) => (s.lastCheckDurationSeconds === null ? none : one(account(s), s.lastCheckDurationSeconds)),
  }),
  metric({
    name: "captcha_check_errors_total",
    type: "counter",
    unit: "checks",
    help: "Failed balance checks of this account by reason: auth (key rejected), no_funds, banned, rate_limited, upstream, timeout, network, malformed. Every reason is initialised to 0; kept across restarts in the state file.",
    labels: ["account", "provider", "reason"],
    samples: (s) => FAILURE_REASONS.map((reason) => ({ labels: { ...account(s), reason }, value: Math.max(0, s.errors[reason]) })),
  }),
  metric({
    name: "captcha_poll_interval_seconds",
    type: "gauge",
    unit: "seconds",
    help: "Seconds between two balance checks of this account when all goes well (failures wait longer: cool-downs and back-off). Bounds the age of the cached values.",
    labels: ACCOUNT,
    samples: (s) => one(account(s), s.intervalMs / 1000),
  }),
];

/** The exporter-wide families, fixed for the process's life; written after the account families. */
export const EXPORTER_METRICS: readonly ExporterMetric[] = [
  metric({
    name: "captcha_exporter_build_info",
    type: "gauge",
    unit: "info",
    help: "Build of captcha-runway exporting these metrics: version, git revision and Node.js version. Always 1.",
    labels: ["version", "revision", "nodejs"],
    samples: (e) => one({ ...e.buildInfo }, 1),
  }),
  metric({
    name: "captcha_exporter_shard_ordinal",
    type: "gauge",
    unit: "shards",
    help: "Which shard of the configured accounts this exporter polls (--shard or the StatefulSet pod's ordinal), from 0; 0 when not sharded. Each account belongs to the shard its name hashes to (FNV-1a 32-bit modulo captcha_exporter_total_shards).",
    labels: [],
    samples: (e) => one({}, e.shard.ordinal),
  }),
  metric({
    name: "captcha_exporter_total_shards",
    type: "gauge",
    unit: "shards",
    help: "How many shards the configured accounts are split into (--total-shards); 1 when not sharded. Every replica of one job should report the same number.",
    labels: [],
    samples: (e) => one({}, e.shard.total),
  }),
];
