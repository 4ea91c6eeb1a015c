/**
 * End to end: the simulator ← the exporter (the CLI, as users run it) ← a real Prometheus loaded with
 * grafana/prometheus/alerts.yml (a copy with every `for:` shortened to 3s) and rules.yml.
 *
 * The test drives the simulator (spend, drain the balance, zero it, top up, reject the key), stops and
 * restarts the exporter, and follows the alerts through Prometheus's HTTP API: each goes pending, fires
 * and resolves. The runway alerts follow the exporter's estimator (captcha_runway_seconds): the exporter
 * sees real timestamps, so a spend of 2 within a poll or two of a fresh account is a rate that empties
 * the remaining 8 in minutes, and a top-up of 100,000 lifts the estimate above a day again. Then every PromQL expression of the Grafana alert rules and of the dashboard is run against
 * the data this produced: each must parse and return data at some moment of the test.
 *
 * The exporter polls every 30 s (the providers' minimum), so each step waits for one poll: about three
 * and a half minutes in all.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { type Simulator, startSimulator } from "../../simulator/index.ts";
import { alertQueries, BUNDLE, dashboardQueries } from "../helpers/grafana-check.ts";
import {
  type ActiveAlert,
  activeAlerts,
  freePort,
  GiveUp,
  instantQuery,
  loadedRules,
  prometheusMissing,
  recentValues,
  type RunningPrometheus,
  sleep,
  startPrometheus,
  waitFor,
} from "../helpers/prometheus.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CLI = join(root, "cli", "main.ts");
const SHORT_FOR = "3s";
/** One exporter poll (30 s) plus a scrape, a rule evaluation and the shortened `for`, with slack. */
const STEP_MS = 60_000;

const missing = prometheusMissing();

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML
type Json = Record<string, any>;

/** The shipped alert rules with every `for:` shortened: the test transforms the file users install. */
function shortenFor(alertsYaml: string, to: string): string {
  const doc = parseYaml(alertsYaml) as Json;
  for (const g of doc.groups) for (const r of g.rules) if (r.alert && r.for) r.for = to;
  return toYaml(doc);
}

/** Records every state each (alertname, account) was seen in, by polling /api/v1/alerts. */
class AlertWatch {
  readonly seen = new Map<string, Set<string>>();
  current: ActiveAlert[] = [];
  #stop = false;
  #loop: Promise<void> | undefined;
  readonly url: string;
  constructor(url: string) {
    this.url = url;
  }
  static key(name: string, account?: string): string {
    return `${name}/${account ?? ""}`;
  }
  start(): void {
    this.#loop = (async () => {
      while (!this.#stop) {
        try {
          this.current = await activeAlerts(this.url);
          for (const a of this.current) {
            const k = AlertWatch.key(a.labels.alertname!, a.labels.account);
            if (!this.seen.has(k)) this.seen.set(k, new Set());
            this.seen.get(k)!.add(a.state);
          }
        } catch {
          // Prometheus is stopping; the loop ends with the test
        }
        await sleep(200);
      }
    })();
  }
  async stop(): Promise<void> {
    this.#stop = true;
    await this.#loop;
  }
  find(name: string, account?: string): ActiveAlert | undefined {
    return this.current.find((a) => a.labels.alertname === name && a.labels.account === account);
  }
  async firing(name: string, account?: string): Promise<ActiveAlert> {
    return waitFor(`${name}{account="${account ?? ""}"} to fire`, async () => {
      const a = this.find(name, account);
      return a?.state === "firing" ? a : undefined;
    }, STEP_MS);
  }
  async resolved(name: string, account?: string): Promise<void> {
    await waitFor(`${name}{account="${account ?? ""}"} to resolve`, async () => (this.find(name, account) ? undefined : true), STEP_MS);
  }
  /** Asserts the alert was seen pending before it fired. */
  expectPendingThenFiring(name: string, account?: string): void {
    expect([...(this.seen.get(AlertWatch.key(name, account)) ?? [])].sort(), `${name} ${account ?? ""}`).toEqual(["firing", "pending"]);
  }
}

interface Exporter {
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<number | null>;
}

describe.skipIf(missing !== null)("Prometheus evaluates the shipped alerts against the exporter and the simulator", () => {
  const drainedKey = randomBytes(16).toString("hex");
  const healthyKey = randomBytes(16).toString("hex");
  let dir: string;
  let sim: Simulator;
  let prom: RunningPrometheus;
  let watch: AlertWatch;
  let exporter: Exporter | undefined;
  let exporterPort: number;
  let configFile: string;
  const outputs: string[] = [];
  const startedAt = Date.now() / 1000;

  async function startExporterProcess(firstCheckTimeoutMs = 20_000): Promise<Exporter> {
    let out = "";
    const child = spawn(
      process.execPath,
      [
        CLI,
        "exporter",
        "--config.file",
        configFile,
        "--web.listen-address",
        `127.0.0.1:${exporterPort}`,
        "--state.file",
        join(dir, "state.json"),
        "--log.format",
        "json",
      ],
      {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, E2E_DRAINED_KEY: drainedKey, E2E_HEALTHY_KEY: healthyKey },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (out += c));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const e: Exporter = {
      child,
      output: () => out,
      stop: async () => {
        child.kill("SIGTERM");
        const t = setTimeout(() => child.kill("SIGKILL"), 10_000);
        const code = await exited;
        clearTimeout(t);
        outputs.push(out);
        return code;
      },
    };
    await waitFor(
      "the exporter's first balance checks",
      async () => {
        if (child.exitCode !== null) throw new GiveUp(`the exporter exited with ${child.exitCode}:\n${out}`);
        return out.includes("every account checked once") ? true : undefined;
      },
      firstCheckTimeoutMs,
    );
    return e;
  }

  async function value(query: string): Promise<number | undefined> {
    const r = await instantQuery(prom.url, query);
    return r.length === 1 ? Number(r[0]!.value[1]) : undefined;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "captcha-runway-e2e-"));
    sim = await startSimulator({
      port: 0,
      timeScale: 0, // balances move only when the test says so
      accounts: [
        { key: drainedKey, id: "drained", balance: 10, flavour: "captchaai" },
        { key: healthyKey, id: "healthy", balance: 500, flavour: "anti-captcha" },
      ],
    });
    configFile = join(dir, "accounts.yml");
    await writeFile(
      configFile,
      toYaml({
        accounts: [
          { name: "drained", provider: "captchaai", api_key_env: "E2E_DRAINED_KEY", api_url: sim.url, poll_interval: "30s" },
          { name: "healthy", provider: "anti-captcha", api_key_env: "E2E_HEALTHY_KEY", api_url: sim.url, poll_interval: "30s" },
        ],
      }),
    );
    exporterPort = await freePort();
    exporter = await startExporterProcess();
    const alerts = await readFile(join(root, "grafana/prometheus/alerts.yml"), "utf8");
    const rules = await readFile(join(root, "grafana/prometheus/rules.yml"), "utf8");
    prom = await startPrometheus({
      targets: [`127.0.0.1:${exporterPort}`],
      ruleFiles: { "alerts.yml": shortenFor(alerts, SHORT_FOR), "rules.yml": rules },
    });
    watch = new AlertWatch(prom.url);
    watch.start();
  }, 60_000);

  afterAll(async () => {
    await watch?.stop();
    if (exporter && exporter.child.exitCode === null) await exporter.stop();
    if (prom) outputs.push(prom.output());
    await prom?.stop();
    await sim?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("loads every rule, with `for` shortened, and starts with nothing pending or firing", async () => {
    const loaded = await loadedRules(prom.url);
    expect(loaded.filter((r) => r.type === "alerting").map((r) => r.name)).toHaveLength(10);
    expect(loaded.filter((r) => r.type === "recording")).toHaveLength(4);
    for (const r of loaded.filter((r) => r.type === "alerting")) expect(r.duration, r.name).toBe(3);
    for (const account of ["drained", "healthy"]) {
      await waitFor(`captcha_up{account="${account}"} == 1`, async () => ((await value(`captcha_up{account="${account}"}`)) === 1 ? true : undefined), 20_000);
    }
    // before the first scrape, absent(captcha_up) made CaptchaBalanceStale pending: it clears
    await waitFor("no pending or firing alert", async () => (watch.current.length === 0 ? true : undefined), 20_000);
    // nothing spent yet: the exporter has no runway to report, so the runway alerts have nothing to page on
    expect(await instantQuery(prom.url, "captcha_runway_seconds")).toEqual([]);
  }, 60_000);

  it("spending fires both runway alerts on the exporter's estimate, before the balance is low", async () => {
    sim.setBalance(drainedKey, 8); // 2 spent within a poll or two of the start: 8 left lasts minutes at that rate
    const critical = await watch.firing("CaptchaRunwayCritical", "drained");
    const low = await watch.firing("CaptchaRunwayLow", "drained");
    for (const a of [critical, low]) {
      // the alert's value is a sample of the exporter's captcha_runway_seconds
      expect(await recentValues(prom.url, 'captcha_runway_seconds{account="drained"}', 120)).toContain(Number(a.value));
      expect(Number(a.value)).toBeGreaterThan(0);
      expect(Number(a.value)).toBeLessThan(3_600);
      expect(a.annotations.description).toMatch(/^The exporter estimates that account drained \(captchaai\) runs out of money in [\dhms. ]+ \(alert threshold /);
    }
    expect(critical.labels).toMatchObject({ severity: "critical", account: "drained", provider: "captchaai" });
    expect(low.labels).toMatchObject({ severity: "warning", account: "drained", provider: "captchaai" });
    expect(critical.annotations.description).toContain("(alert threshold 6h)");
    expect(low.annotations.description).toContain("(alert threshold 24h)");
    for (const name of ["CaptchaRunwayCritical", "CaptchaRunwayLow"]) watch.expectPendingThenFiring(name, "drained");
    // 8 is above the low-balance threshold of 5: only the runway says the money is running out
    expect(watch.seen.has(AlertWatch.key("CaptchaBalanceLow", "drained"))).toBe(false);
  }, STEP_MS * 2);

  it("a drained balance fires CaptchaBalanceLow", async () => {
    sim.setBalance(drainedKey, 3); // 5 more spent since the last check
    const low = await watch.firing("CaptchaBalanceLow", "drained");
    expect(Number(low.value)).toBe(3);
    expect(low.labels).toMatchObject({ severity: "warning", provider: "captchaai", currency: "USD" });
    expect(low.annotations.description).toContain("Account drained (captchaai) has 3 USD left");
    watch.expectPendingThenFiring("CaptchaBalanceLow", "drained");
  }, STEP_MS * 2);

  it("a zero balance fires CaptchaBalanceExhausted", async () => {
    sim.setBalance(drainedKey, 0);
    const a = await watch.firing("CaptchaBalanceExhausted", "drained");
    expect(a.labels).toMatchObject({ severity: "critical", account: "drained", provider: "captchaai" });
    watch.expectPendingThenFiring("CaptchaBalanceExhausted", "drained");
  }, STEP_MS * 2);

  it("a top-up resolves every balance and runway alert at the next check", async () => {
    // The estimator treats the deposit as a deposit: 10 spent over the few minutes since the start is
    // still its rate, so the top-up must last more than a day at it (a top-up of 1,000 would leave
    // CaptchaRunwayLow firing, rightly: a few hours at that rate).
    sim.deposit(drainedKey, 100_000);
    for (const name of ["CaptchaBalanceLow", "CaptchaBalanceExhausted", "CaptchaRunwayCritical", "CaptchaRunwayLow"]) {
      await watch.resolved(name, "drained");
    }
    expect(await value('captcha_balance{account="drained"}')).toBe(100_000);
    expect(await value('captcha_deposited_total{account="drained"}')).toBe(100_000);
    expect(await value('captcha_runway_seconds{account="drained"}')).toBeGreaterThan(86_400);
    const states = Object.fromEntries((await loadedRules(prom.url)).filter((r) => r.type === "alerting").map((r) => [r.name, r.state]));
    expect(states).toMatchObject({ CaptchaBalanceLow: "inactive", CaptchaBalanceExhausted: "inactive", CaptchaRunwayLow: "inactive", CaptchaRunwayCritical: "inactive" });
  }, STEP_MS * 2);

  it("a rejected key fires CaptchaApiKeyRejected and CaptchaBalanceCheckFailing", async () => {
    sim.injectFault({ kind: "error", code: "ERROR_KEY_DOES_NOT_EXIST" }, { key: drainedKey });
    const rejected = await watch.firing("CaptchaApiKeyRejected", "drained");
    expect(rejected.labels).toMatchObject({ severity: "critical", reason: "auth", provider: "captchaai" });
    expect(rejected.annotations.description).toContain('captchaai answers balance checks of account drained with "auth" errors');
    const failing = await watch.firing("CaptchaBalanceCheckFailing", "drained");
    expect(failing.labels.severity).toBe("warning");
    watch.expectPendingThenFiring("CaptchaApiKeyRejected", "drained");
    watch.expectPendingThenFiring("CaptchaBalanceCheckFailing", "drained");
  }, STEP_MS * 2);

  it("with the exporter down, CaptchaBalanceStale fires; restarted with the key fixed, everything resolves", async () => {
    expect(await exporter!.stop()).toBe(0);
    const stale = await watch.firing("CaptchaBalanceStale", undefined);
    expect(stale.annotations.description).toContain("No captcha_up series exists");
    watch.expectPendingThenFiring("CaptchaBalanceStale", undefined);
    await watch.resolved("CaptchaApiKeyRejected", "drained");

    sim.clearFaults(); // the operator fixed the key, then restarts the exporter (which pauses after an auth error)
    // after a restart the exporter keeps the provider's minimum interval (30 s) since its last attempt
    exporter = await startExporterProcess(STEP_MS);
    await waitFor("no pending or firing alert", async () => (watch.current.length === 0 ? true : undefined), STEP_MS);
    // the spend history survived the restart (state file): 7 + 3 spent
    expect(await value('captcha_spent_total{account="drained"}')).toBe(10);
  }, STEP_MS * 3);

  it("nothing ever fired for the healthy account, which never spent (no runway series), and no spend surge was seen", async () => {
    // after the restart the account's series returns with Prometheus' next scrape of the new process
    await waitFor('captcha_up{account="healthy"} == 1', async () => ((await value('captcha_up{account="healthy"}')) === 1 ? true : undefined), STEP_MS);
    expect(await instantQuery(prom.url, 'captcha_runway_seconds{account="healthy"}')).toEqual([]);
    const keys = [...watch.seen.keys()];
    expect(keys.filter((k) => k.endsWith("/healthy"))).toEqual([]);
    expect(keys.filter((k) => k.startsWith("CaptchaSpendSurge/"))).toEqual([]);
  }, STEP_MS * 2);

  it("every rule evaluated without error", async () => {
    for (const r of await loadedRules(prom.url)) expect({ rule: r.name, health: r.health, error: r.lastError ?? "" }).toEqual({ rule: r.name, health: "ok", error: "" });
  });

  it("every PromQL expression of the Grafana alert rules and the dashboard parses and returns data", async () => {
    const alertDoc = parseYaml(await readFile(join(root, BUNDLE.alertFile), "utf8"));
    const dashboard = JSON.parse(await readFile(join(root, BUNDLE.dashboardFile), "utf8"));
    const exprs = [
      ...alertQueries(alertDoc).map((q) => ({ where: `${BUNDLE.alertFile}: ${q.title} ${q.refId}`, expr: q.expr })),
      ...dashboardQueries(dashboard).map((q) => ({ where: `${BUNDLE.dashboardFile}: ${q.where}`, expr: substituteGrafanaVariables(q.expr) })),
    ];
    expect(exprs.length).toBeGreaterThan(20);
    const now = Date.now() / 1000;
    const times: number[] = [];
    for (let t = now; t > startedAt; t -= 2) times.push(Math.round(t * 1000) / 1000);
    const noData: string[] = [];
    for (const { where, expr } of exprs) {
      let found = false;
      for (const t of times) {
        // a query Prometheus refuses throws here, naming the query
        if ((await instantQuery(prom.url, expr, t)).length > 0) {
          found = true;
          break;
        }
      }
      if (!found) noData.push(`${where}: ${expr}`);
    }
    expect(noData).toEqual([]);

    // the account variable's query
    const variable = (dashboard.templating.list as Json[]).find((v) => v.name === "account")!;
    const m = /^label_values\((\w+),\s*(\w+)\)$/.exec(variable.query.query);
    expect(m, "label_values(metric, label)").not.toBeNull();
    const res = (await (await fetch(`${prom.url}/api/v1/label/${m![2]}/values?match[]=${m![1]}`)).json()) as { data: string[] };
    expect(res.data).toEqual(expect.arrayContaining(["drained", "healthy"]));
  }, 120_000);

  it("no key appears in what the exporter and Prometheus printed, nor in the alerts", async () => {
    const everything = [...outputs, exporter!.output(), prom.output(), JSON.stringify(await activeAlerts(prom.url))].join("\n");
    for (const key of [drainedKey, healthyKey]) expect(everything).not.toContain(key);
  });
});

/** Grafana's dashboard variables, as Grafana would substitute them for the "All" selection. */
function substituteGrafanaVariables(expr: string): string {
  return expr
    .replaceAll("$__rate_interval", "1m")
    .replaceAll("$__interval", "15s")
    .replaceAll("$__range", "1h")
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's braced variable syntax, literally
    .replaceAll("${account}", ".*")
    .replaceAll("$account", ".*");
}

describe.runIf(missing !== null)("Prometheus end-to-end test", () => {
  it("needs a Prometheus server", () => {
    expect.fail(missing!);
  });
});
