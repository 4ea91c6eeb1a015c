/** Shared set-up for the exporter's integration tests: the real simulator, the real exporter, loopback only. */
import { randomBytes } from "node:crypto";
import { getProvider } from "../../core/providers/registry.ts";
import type { Provider, ProviderName } from "../../core/providers/types.ts";
import { FAILURE_REASONS, type FailureReason, type RetryPolicy } from "../../core/reasons.ts";
import { defaultPrices } from "../../core/pricing.ts";
import { type SimAccountConfig, type Simulator, startSimulator } from "../../simulator/index.ts";
import { type RunningExporter, startExporter } from "../../exporter/exporter.ts";
import { createLogger } from "../../exporter/logger.ts";
import type { PolledAccount } from "../../exporter/poller.ts";
import type { BasicAuthOptions } from "../../exporter/basic-auth.ts";
import type { ServerLimits } from "../../exporter/server.ts";
import type { WebConfig } from "../../exporter/web-config.ts";

export function newKey(): string {
  return randomBytes(16).toString("hex");
}

/** Cool-downs shrunk to 50 ms so failure paths run in milliseconds. */
export const FAST_POLICY: Readonly<Record<FailureReason, RetryPolicy>> = Object.fromEntries(
  FAILURE_REASONS.map((r) => [r, { retryable: r !== "auth" && r !== "no_funds" && r !== "banned", minDelayMs: 50 }]),
) as Record<FailureReason, RetryPolicy>;

/** CaptchaAI's protocol without its 30 s minimum interval (tests poll every few hundred ms). */
export function fastProvider(name: ProviderName = "captchaai"): Provider {
  return { ...getProvider(name), minPollIntervalMs: 0, banCooldownMs: 100 };
}

export interface Harness {
  readonly sim: Simulator;
  readonly exporter: RunningExporter;
  readonly logs: string[];
  readonly keys: string[];
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly accounts: readonly (Omit<SimAccountConfig, "key"> & { key?: string; name?: string })[];
  readonly intervalMs?: number;
  readonly stateFile?: string | null;
  readonly stateWriteIntervalMs?: number;
  readonly webConfig?: WebConfig;
  readonly requestTimeoutMs?: number;
  readonly defaultMetrics?: boolean;
  readonly timeScale?: number;
  /** Reuse a running simulator (restarts). */
  readonly sim?: Simulator;
  readonly logs?: string[];
  readonly serverLimits?: ServerLimits;
  readonly basicAuth?: BasicAuthOptions;
}

export async function startHarness(o: HarnessOptions): Promise<Harness> {
  const keys = o.accounts.map((a) => a.key ?? newKey());
  const sim =
    o.sim ??
    (await startSimulator({
      port: 0,
      timeScale: o.timeScale ?? 1,
      accounts: o.accounts.map((a, i) => {
        const { name: _n, ...rest } = a;
        return { ...rest, key: keys[i]!, id: a.id ?? a.name ?? `acct-${i}` };
      }),
    }));
  const logs = o.logs ?? [];
  const logger = createLogger({ level: "debug", format: "logfmt", write: (l) => logs.push(l) });
  const accounts: PolledAccount[] = o.accounts.map((a, i) => ({
    name: a.name ?? `acct-${i}`,
    providerLabel: a.flavour ?? "captchaai",
    provider: fastProvider(a.flavour ?? "captchaai"),
    apiKey: keys[i]!,
    apiUrl: sim.url,
    intervalMs: o.intervalMs ?? 200,
    prices: defaultPrices("captchaai"),
    ...(a.currency !== undefined ? { currency: a.currency } : {}),
  }));
  const exporter = await startExporter({
    accounts,
    listen: { host: "127.0.0.1", port: 0 },
    telemetryPath: "/metrics",
    ...(o.webConfig ? { webConfig: o.webConfig } : {}),
    stateFile: o.stateFile ?? null,
    stateWriteIntervalMs: o.stateWriteIntervalMs ?? 60_000,
    logger,
    retryPolicy: FAST_POLICY,
    requestTimeoutMs: o.requestTimeoutMs ?? 500,
    defaultMetrics: o.defaultMetrics ?? false,
    ...(o.serverLimits ? { serverLimits: o.serverLimits } : {}),
    ...(o.basicAuth ? { basicAuth: o.basicAuth } : {}),
  });
  return {
    sim,
    exporter,
    logs,
    keys,
    async close() {
      await exporter.stop();
      if (!o.sim) await sim.close();
    },
  };
}

export interface Scrape {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export async function scrape(url: string, init: RequestInit = {}): Promise<Scrape> {
  const res = await fetch(url, init);
  return { status: res.status, contentType: res.headers.get("content-type") ?? "", body: await res.text() };
}

/** The value of one sample in exposition text; labels must all match. */
export function sample(body: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of body.split("\n")) {
    if (line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const ls: Record<string, string> = {};
    for (const lm of (m[3] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) ls[lm[1]!] = lm[2]!;
    if (Object.entries(labels).every(([k, v]) => ls[k] === v)) return Number(m[4]);
  }
  return undefined;
}

/** Polls `fn` until it returns a defined, truthy value (bounded; throws the last error on expiry). */
export async function eventually<T>(fn: () => Promise<T> | T, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
