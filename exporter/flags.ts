/**
 * Pure parsing and validation of the exporter's flags. Everything the CLI hands over as strings is
 * checked here and turned into typed options; every problem becomes an InputError naming the flag,
 * what it got and what it expected (the CLI prints it and exits 2).
 */
import { parseNetwork } from "../core/config.ts";
import { MAX_STATE_WRITE_INTERVAL_MS } from "../core/delays.ts";
import { parseDurationAtMost, parsePollInterval } from "../core/duration.ts";
import { InputError } from "../core/errors.ts";
import type { NetworkOptions } from "../core/http.ts";
import { PROVIDER_NAMES, type ProviderName } from "../core/providers/types.ts";
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from "./logger.ts";

/** Default port: 9866 is HDFS's DataNode transfer port, so we use 9877 (docs/exporter.md, "Flags"). */
export const DEFAULT_PORT = 9877;
export const DEFAULT_LISTEN_ADDRESS = `:${DEFAULT_PORT}`;
export const DEFAULT_TELEMETRY_PATH = "/metrics";
export const DEFAULT_STATE_FILE = "./captcha-runway-state.json";
export const DEFAULT_STATE_WRITE_INTERVAL_MS = 60_000;
export const API_KEY_ENV = "CAPTCHA_API_KEY";

export interface ListenAddress {
  /** undefined = every interface. */
  readonly host: string | undefined;
  readonly port: number;
}

/** `:9877`, `0.0.0.0:9877`, `127.0.0.1:0`, `[::1]:9877`, `localhost:9877`. */
export function parseListenAddress(raw: string): ListenAddress {
  const flag = "--web.listen-address";
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(raw.trim());
  if (!m) throw new InputError(`${flag}: expected [host]:port (e.g. ':${DEFAULT_PORT}' or '127.0.0.1:${DEFAULT_PORT}'), got '${raw}'`);
  const port = Number(m[3]);
  if (port > 65535) throw new InputError(`${flag}: port must be between 0 and 65535, got ${port}`);
  const host = m[1] ?? (m[2] === "" ? undefined : m[2]);
  return { host, port };
}

/** A listen address as the logs show it: `*:9877` for every interface, `127.0.0.1:9877`, `[::1]:9877`. */
export function formatListenAddress(address: ListenAddress): string {
  const host = address.host === undefined ? "*" : address.host.includes(":") ? `[${address.host}]` : address.host;
  return `${host}:${address.port}`;
}

export function parseTelemetryPath(raw: string): string {
  if (!/^\/[A-Za-z0-9._~\-/]*$/.test(raw) || raw.includes("//")) {
    throw new InputError(`--web.telemetry-path: expected an absolute URL path such as /metrics, got '${raw}'`);
  }
  return raw;
}

function oneOf<T extends string>(values: readonly T[], raw: string, flag: string): T {
  if ((values as readonly string[]).includes(raw)) return raw as T;
  throw new InputError(`${flag}: expected one of ${values.join(", ")}, got '${raw}'`);
}

export function parseProviderName(raw: string, flag = "--provider"): ProviderName {
  return oneOf(PROVIDER_NAMES, raw, flag);
}

/** What the CLI parsed, before validation (yargs gives strings and booleans). */
export interface RawExporterFlags {
  readonly "web.listen-address"?: string;
  readonly "web.telemetry-path"?: string;
  readonly "web.config.file"?: string;
  readonly "config.file"?: string;
  readonly "state.file"?: string;
  readonly "state.write-interval"?: string;
  readonly "log.level"?: string;
  readonly "log.format"?: string;
  readonly provider?: string;
  readonly "api-url"?: string;
  readonly "api-key-file"?: string;
  readonly "poll.interval"?: string;
  readonly currency?: string;
  readonly "proxy.url"?: string;
  readonly "tls.ca-file"?: string;
  readonly demo?: boolean;
  readonly shard?: string | number;
  readonly "total-shards"?: string | number;
  readonly "shard.from-pod-name"?: boolean;
}

/** Where the accounts come from: exactly one source, or the demo. */
export type AccountSource =
  | { readonly kind: "config-file"; readonly path: string }
  | {
      readonly kind: "single";
      readonly provider: ProviderName;
      readonly apiUrl?: string;
      readonly apiKeyFile?: string;
      /** Raw duration text, checked by core/config (accountFromEnv). */
      readonly pollInterval?: string;
      readonly currency?: string;
    }
  | { readonly kind: "demo" };

export interface ExporterOptions {
  readonly listen: ListenAddress;
  readonly telemetryPath: string;
  readonly webConfigFile?: string;
  readonly accounts: AccountSource;
  /** --proxy.url and --tls.ca-file: for every account that sets no proxy_url / ca_file of its own. */
  readonly network: NetworkOptions;
  /** null = no state file (demo mode without an explicit --state.file). */
  readonly stateFile: string | null;
  readonly stateWriteIntervalMs: number;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
}

export function resolveExporterOptions(raw: RawExporterFlags): ExporterOptions {
  const listen = parseListenAddress(raw["web.listen-address"] ?? DEFAULT_LISTEN_ADDRESS);
  const telemetryPath = parseTelemetryPath(raw["web.telemetry-path"] ?? DEFAULT_TELEMETRY_PATH);
  if (telemetryPath === "/" || telemetryPath.startsWith("/-/")) {
    throw new InputError(`--web.telemetry-path: '${telemetryPath}' is taken by the landing page or the health endpoints; use e.g. /metrics`);
  }
  const logLevel = oneOf(LOG_LEVELS, raw["log.level"] ?? "info", "--log.level");
  const logFormat = oneOf(LOG_FORMATS, raw["log.format"] ?? "logfmt", "--log.format");
  const stateWriteIntervalMs = raw["state.write-interval"]
    ? parseDurationAtMost(raw["state.write-interval"], "--state.write-interval", MAX_STATE_WRITE_INTERVAL_MS, "spend history newer than the last write is lost on a crash")
    : DEFAULT_STATE_WRITE_INTERVAL_MS;

  const single =
    raw.provider !== undefined || raw["api-url"] !== undefined || raw["api-key-file"] !== undefined || raw.currency !== undefined;
  const fromFile = raw["config.file"] !== undefined;
  const demo = raw.demo === true;
  const chosen = [single, fromFile, demo].filter(Boolean).length;
  if (chosen > 1) {
    throw new InputError(
      "choose one source of accounts: --config.file FILE, or --provider P (key from $CAPTCHA_API_KEY or --api-key-file), or --demo",
    );
  }
  // Checked here so the message names this command's flag; core/config parses it again.
  if (raw["poll.interval"] !== undefined) parsePollInterval(raw["poll.interval"], "--poll.interval");
  let accounts: AccountSource;
  if (fromFile) {
    if (raw["poll.interval"] !== undefined) {
      throw new InputError("--poll.interval applies to the single account given with --provider; with --config.file set poll_interval per account in the file");
    }
    accounts = { kind: "config-file", path: raw["config.file"]! };
  } else if (single) {
    if (raw.provider === undefined) throw new InputError(`--provider is required with --api-url or --api-key-file (one of ${PROVIDER_NAMES.join(", ")})`);
    accounts = {
      kind: "single",
      provider: parseProviderName(raw.provider),
      ...(raw["api-url"] !== undefined ? { apiUrl: raw["api-url"] } : {}),
      ...(raw["api-key-file"] !== undefined ? { apiKeyFile: raw["api-key-file"] } : {}),
      ...(raw["poll.interval"] !== undefined ? { pollInterval: raw["poll.interval"] } : {}),
      ...(raw.currency !== undefined ? { currency: raw.currency } : {}),
    };
  } else if (demo) {
    if (raw["poll.interval"] !== undefined) throw new InputError("--poll.interval cannot be combined with --demo (the demo polls every 2s)");
    accounts = { kind: "demo" };
  } else {
    throw new InputError(
      "no account to watch: pass --config.file FILE (several accounts), or --provider P with the key in $CAPTCHA_API_KEY or --api-key-file (one account), or --demo to try it against the built-in simulator",
    );
  }
  const sharded = raw.shard !== undefined || raw["total-shards"] !== undefined || raw["shard.from-pod-name"] === true;
  if (sharded && !fromFile) {
    throw new InputError("--shard, --total-shards and --shard.from-pod-name split the accounts of --config.file between exporters; they need --config.file");
  }
  const stateFile = raw["state.file"] ?? (demo ? null : DEFAULT_STATE_FILE);
  const network = parseNetwork({ proxyUrl: raw["proxy.url"], caFile: raw["tls.ca-file"] }, { proxyUrl: "--proxy.url", caFile: "--tls.ca-file" }) ?? {};
  return {
    listen,
    telemetryPath,
    ...(raw["web.config.file"] !== undefined ? { webConfigFile: raw["web.config.file"] } : {}),
    accounts,
    network,
    stateFile: stateFile === "" ? null : stateFile,
    stateWriteIntervalMs,
    logLevel,
    logFormat,
  };
}
