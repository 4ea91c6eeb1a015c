/**
 * Renders the metrics declared in metric-definitions.ts: the account families from each account's
 * status, pre-rendered when it changes, so a scrape only copies bytes and never waits for a provider.
 */
import { collectDefaultMetrics, Gauge, type OpenMetricsContentType, Registry } from "prom-client";
import { plainAmount } from "../core/money.ts";
import {
  ACCOUNT_METRICS,
  EXPORTER_METRICS,
  type ExporterInfo,
  type MetricDefinition,
  type MetricUnit,
  type Sample,
} from "./metric-definitions.ts";
import type { AccountStatus } from "./poller.ts";

export interface AccountLabels {
  readonly account: string;
  readonly provider: string;
}

export type BuildInfo = ExporterInfo["buildInfo"];

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

/** One sample line, the same in both formats; money goes through micro-units (core/money.ts). */
function sampleLine(name: string, labelNames: readonly string[], unit: MetricUnit, s: Sample<string>): string {
  const labels = labelNames.length === 0 ? "" : `{${labelNames.map((n) => `${n}="${escapeLabelValue(s.labels[n] ?? "")}"`).join(",")}}`;
  const value = unit === "currency" && Number.isFinite(s.value) ? plainAmount(s.value) : formatValue(s.value);
  return `${name}${labels} ${value}\n`;
}

/** The lines of one family for one source (no header). */
function renderSamples<S>(definition: MetricDefinition<S>, source: S): string {
  let out = "";
  for (const s of definition.samples(source)) out += sampleLine(definition.name, definition.labels, definition.unit, s);
  return out;
}

/** A family's `# HELP` and `# TYPE` lines; OpenMetrics names a counter family without `_total` (its samples keep it). */
function familyHeader(definition: Pick<MetricDefinition<unknown>, "name" | "help" | "type">, openMetrics: boolean): string {
  const { name, help, type } = definition;
  if (!openMetrics) return `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`;
  const family = type === "counter" ? name.replace(/_total$/, "") : name;
  return `# HELP ${family} ${help.replace(/"/g, '\\"')}\n# TYPE ${family} ${type}\n`;
}

export interface ExporterMetricsOptions {
  readonly buildInfo: BuildInfo;
  /** --shard / --total-shards (default the only shard). */
  readonly shard?: { readonly ordinal: number; readonly total: number };
  /** Process and Node.js metrics (prom-client collectDefaultMetrics); on by default. */
  readonly defaultMetrics?: boolean;
}

interface AccountEntry {
  readonly status: AccountStatus;
  /** This account's lines of every family, in ACCOUNT_METRICS order, as UTF-8. */
  bytes: Buffer;
  /** Where each family's lines end in `bytes`. */
  ends: number[];
}

/**
 * The exposition, derived from the accounts' statuses (metric-definitions.ts). An account's lines are
 * rendered when its poller reports a change (`update`) and kept as UTF-8, never at scrape time: with
 * 1,000 accounts a changed body is 13,000 copies of ready-made bytes instead of ~25,000 label sets
 * built and encoded, and it is reused until the next change. Build info, shard and the process/Node.js metrics come from prom-client,
 * one registry per format: prom-client's content type is a property of the registry, and its
 * OpenMetrics serialiser renames counter objects in place, so a registry cannot serve both formats.
 */
export class ExporterMetrics {
  readonly #textRegistry = new Registry();
  readonly #openMetricsRegistry = new Registry<OpenMetricsContentType>();
  /** Each family's HELP and TYPE lines as UTF-8, per format (text, OpenMetrics). */
  readonly #headers: readonly [readonly Buffer[], readonly Buffer[]] = [
    ACCOUNT_METRICS.map((d) => Buffer.from(familyHeader(d, false), "utf8")),
    ACCOUNT_METRICS.map((d) => Buffer.from(familyHeader(d, true), "utf8")),
  ];
  readonly #accounts = new Map<string, AccountEntry>();
  #version = 0;
  readonly #cache: [{ version: number; body: Buffer }, { version: number; body: Buffer }] = [
    { version: -1, body: Buffer.alloc(0) },
    { version: -1, body: Buffer.alloc(0) },
  ];

  constructor(options: ExporterMetricsOptions) {
    this.#openMetricsRegistry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    const info: ExporterInfo = { buildInfo: options.buildInfo, shard: options.shard ?? { ordinal: 0, total: 1 } };
    for (const r of [this.#textRegistry, this.#openMetricsRegistry] as Registry[]) {
      for (const d of EXPORTER_METRICS) {
        if (d.type !== "gauge") throw new Error(`${d.name}: the exporter-wide metrics are prom-client gauges`);
        const gauge = new Gauge({ name: d.name, help: d.help, labelNames: [...d.labels], registers: [r] });
        for (const s of d.samples(info)) gauge.set({ ...s.labels }, s.value);
      }
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

  /** Starts reporting an account: its status is the state its series are derived from. */
  addAccount(status: AccountStatus): void {
    const key = seriesKey(status.labels);
    if (this.#accounts.has(key)) throw new Error(`account ${status.labels.account} (${status.labels.provider}) was added to the metrics twice`);
    const entry: AccountEntry = { status, bytes: Buffer.alloc(0), ends: [] };
    this.#accounts.set(key, entry);
    this.#render(entry);
  }

  /** The account's status has changed (a check, a reload's carry-over, a warm-up): re-derive its series. */
  update(status: AccountStatus): void {
    const entry = this.#accounts.get(seriesKey(status.labels));
    if (!entry || entry.status !== status) {
      throw new Error(`account ${status.labels.account} (${status.labels.provider}) was not added to the metrics`);
    }
    this.#render(entry);
  }

  #render(entry: AccountEntry): void {
    const parts = ACCOUNT_METRICS.map((d) => renderSamples(d, entry.status));
    const text = parts.join("");
    // its own allocation, not a slice of Node's shared pool (which a live slice would keep whole)
    entry.bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text, "utf8"));
    entry.bytes.write(text, "utf8");
    let end = 0;
    entry.ends = parts.map((p) => (end += Buffer.byteLength(p, "utf8")));
    this.#version++;
  }

  /**
   * The exposition in one format, as two parts to send in order: the account families (a Buffer
   * shared by every scrape until an account changes) and the prom-client part (build info, shard,
   * process metrics, computed now; for OpenMetrics it ends with `# EOF`).
   */
  async renderParts(openMetrics: boolean): Promise<[Buffer, string]> {
    const cache = this.#cache[openMetrics ? 1 : 0];
    if (cache.version !== this.#version) {
      // one copy of each account's bytes, family by family: no string is built or encoded per scrape
      const headers = this.#headers[openMetrics ? 1 : 0];
      let size = 0;
      for (const b of headers) size += b.length;
      for (const entry of this.#accounts.values()) size += entry.bytes.length;
      const body = Buffer.allocUnsafeSlow(size);
      let at = 0;
      for (let i = 0; i < headers.length; i++) {
        at += headers[i]!.copy(body, at);
        for (const entry of this.#accounts.values()) at += entry.bytes.copy(body, at, i === 0 ? 0 : entry.ends[i - 1], entry.ends[i]);
      }
      cache.body = body;
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
}

function seriesKey(l: AccountLabels): string {
  return `${l.account}\u0000${l.provider}`;
}
