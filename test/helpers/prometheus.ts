/**
 * A real Prometheus for tests (Debian's `prometheus` package: /usr/bin/prometheus and promtool), on
 * loopback, on a free port, with its TSDB in a temporary directory; plus small clients for its HTTP API.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify as toYaml } from "yaml";

export const PROMETHEUS = process.env.PROMETHEUS_BIN ?? "/usr/bin/prometheus";
export const PROMTOOL = process.env.PROMTOOL_BIN ?? "promtool";
const INSTALL_HINT = "install Debian's `prometheus` package (apt-get install -y prometheus), which CI does";

/** Why promtool cannot run here (a message telling how to install it), or null when it can. */
export function promtoolMissing(): string | null {
  const r = spawnSync(PROMTOOL, ["--version"], { encoding: "utf8" });
  return r.status === 0 ? null : `promtool is not available (${r.error?.message ?? `exit ${r.status}`}): ${INSTALL_HINT}`;
}

/** Why the Prometheus server cannot run here, or null when it can. */
export function prometheusMissing(): string | null {
  if (!existsSync(PROMETHEUS)) return `${PROMETHEUS} does not exist: ${INSTALL_HINT}`;
  const r = spawnSync(PROMETHEUS, ["--version"], { encoding: "utf8" });
  return r.status === 0 ? null : `${PROMETHEUS} --version failed (${r.error?.message ?? `exit ${r.status}`}): ${INSTALL_HINT}`;
}

/** A port that was free a moment ago on 127.0.0.1 (for servers that must keep one port across restarts). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Thrown by a `waitFor` probe to stop waiting at once (e.g. the process being waited for has exited). */
export class GiveUp extends Error {}

/**
 * Polls `probe` until it returns a value other than undefined, at most `timeoutMs`; throws naming `what`.
 * A probe that throws is retried, unless it throws GiveUp.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      if (err instanceof GiveUp) throw err;
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ""}`);
    }
    await sleep(everyMs);
  }
}

export interface PrometheusOptions {
  /** host:port targets scraped as job `captcha-runway`. */
  readonly targets: readonly string[];
  /** Rule files to load: name → YAML text (written into the temporary directory). */
  readonly ruleFiles?: Readonly<Record<string, string>>;
  readonly scrapeIntervalSeconds?: number;
  readonly evaluationIntervalSeconds?: number;
}

export interface RunningPrometheus {
  readonly url: string;
  readonly dir: string;
  /** What the process printed (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

/** Starts Prometheus and waits until it is ready; rejects with its output when it does not start. */
export async function startPrometheus(o: PrometheusOptions): Promise<RunningPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), "captcha-runway-prom-"));
  const ruleNames = Object.keys(o.ruleFiles ?? {});
  for (const name of ruleNames) await writeFile(join(dir, name), o.ruleFiles![name]!);
  const scrape = o.scrapeIntervalSeconds ?? 1;
  const config = {
    global: {
      scrape_interval: `${scrape}s`,
      scrape_timeout: `${Math.max(scrape * 1000 - 100, 100)}ms`,
      evaluation_interval: `${o.evaluationIntervalSeconds ?? 1}s`,
    },
    rule_files: ruleNames.map((n) => join(dir, n)),
    scrape_configs: [{ job_name: "captcha-runway", static_configs: [{ targets: [...o.targets] }] }],
  };
  await writeFile(join(dir, "prometheus.yml"), toYaml(config));
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    let out = "";
    const child: ChildProcess = spawn(
      PROMETHEUS,
      [
        `--config.file=${join(dir, "prometheus.yml")}`,
        `--storage.tsdb.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--log.level=warn",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stdout?.on("data", (c) => (out += c));
    child.stderr?.on("data", (c) => (out += c));
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    let dead = false;
    void exited.then(() => (dead = true));
    const stop = async () => {
      if (!dead) {
        child.kill("SIGTERM");
        const t = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(t);
      }
      await rm(dir, { recursive: true, force: true });
    };
    try {
      await waitFor(
        "Prometheus to be ready",
        async () => {
          if (dead) throw new GiveUp(`prometheus exited:\n${out}`);
          const r = await fetch(`${url}/-/ready`);
          return r.ok ? true : undefined;
        },
        20_000,
      );
      return { url, dir, output: () => out, stop };
    } catch (err) {
      lastError = err as Error;
      if (!dead) {
        child.kill("SIGKILL");
        await exited;
      }
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw lastError ?? new Error("prometheus did not start");
}

export interface Sample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

/** GET /api/v1/query; throws with Prometheus's error text when the query is refused. */
export async function instantQuery(url: string, query: string, time?: number): Promise<Sample[]> {
  const params = new URLSearchParams({ query });
  if (time !== undefined) params.set("time", String(time));
  const res = await fetch(`${url}/api/v1/query?${params}`);
  const body = (await res.json()) as { status: string; error?: string; errorType?: string; data?: { resultType: string; result: unknown } };
  if (body.status !== "success") throw new Error(`${body.errorType ?? "error"}: ${body.error ?? res.status} (query: ${query})`);
  const data = body.data!;
  if (data.resultType === "vector") return data.result as Sample[];
  if (data.resultType === "scalar") return [{ metric: {}, value: data.result as [number, string] }];
  throw new Error(`unexpected result type ${data.resultType} for ${query}`);
}

/** The values of every sample of `selector` over the last `seconds` (a range-vector query), per series. */
export async function recentValues(url: string, selector: string, seconds: number): Promise<number[]> {
  const query = `${selector}[${Math.max(1, Math.round(seconds))}s]`;
  const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query })}`);
  const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: { values: [number, string][] }[] } };
  if (body.status !== "success" || body.data?.resultType !== "matrix") throw new Error(`${body.error ?? "not a range vector"} (query: ${query})`);
  return body.data.result.flatMap((s) => s.values.map(([, v]) => Number(v)));
}

export interface ActiveAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly state: "pending" | "firing";
  readonly value: string;
}

/** GET /api/v1/alerts: every pending or firing alert. */
export async function activeAlerts(url: string): Promise<ActiveAlert[]> {
  const res = await fetch(`${url}/api/v1/alerts`);
  const body = (await res.json()) as { status: string; data: { alerts: ActiveAlert[] } };
  if (body.status !== "success") throw new Error(`/api/v1/alerts: ${JSON.stringify(body)}`);
  return body.data.alerts;
}

export interface RuleState {
  readonly name: string;
  readonly type: "alerting" | "recording";
  readonly state?: "inactive" | "pending" | "firing";
  readonly health: string;
  readonly lastError?: string;
  readonly duration?: number;
  readonly alerts?: ActiveAlert[];
}

/** GET /api/v1/rules: every loaded rule with its state and health. */
export async function loadedRules(url: string): Promise<RuleState[]> {
  const res = await fetch(`${url}/api/v1/rules`);
  const body = (await res.json()) as { status: string; data: { groups: { rules: RuleState[] }[] } };
  if (body.status !== "success") throw new Error(`/api/v1/rules: ${JSON.stringify(body)}`);
  return body.data.groups.flatMap((g) => g.rules);
}
