/**
 * The Grafana files under grafana/ against what Grafana's provisioning requires (test/helpers/grafana-check.ts),
 * the checker against broken copies, and the Grafana-managed rules against the Prometheus rules they mirror.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import {
  BUNDLE,
  DATASOURCE_ENV,
  alertQueries,
  checkAlertRuleFile,
  checkDashboard,
  checkDashboardProviderFile,
  checkGrafanaBundle,
  dashboardQueries,
  parsePromDuration,
} from "../helpers/grafana-check.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const PROM_ALERTS = "grafana/prometheus/alerts.yml";
const README = "grafana/README.md";

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML and JSON, whose shape the assertions check
type Json = Record<string, any>;

async function yamlOf(rel: string): Promise<Json> {
  return parseYaml(await readFile(join(root, rel), "utf8")) as Json;
}

let alerts: Json;
let provider: Json;
let dashboard: Json;
let prom: Json;
let readme: string;

beforeAll(async () => {
  alerts = await yamlOf(BUNDLE.alertFile);
  provider = await yamlOf(BUNDLE.providerFile);
  dashboard = JSON.parse(await readFile(join(root, BUNDLE.dashboardFile), "utf8")) as Json;
  prom = await yamlOf(PROM_ALERTS);
  readme = await readFile(join(root, README), "utf8");
});

const checkAlerts = (doc: unknown) => checkAlertRuleFile(doc, "alerts.yml", { datasourceEnv: [DATASOURCE_ENV] });

describe("the shipped Grafana files", () => {
  it("pass every check", async () => {
    expect(await checkGrafanaBundle(root)).toEqual([]);
  });

  it("hold the alerts the bundle promises, each with a runbook section in grafana/README.md", () => {
    const titles = alerts.groups.flatMap((g: Json) => g.rules.map((r: Json) => r.title));
    expect(titles).toEqual([
      "CaptchaBalanceLow",
      "CaptchaBalanceExhausted",
      "CaptchaRunwayLow",
      "CaptchaRunwayCritical",
      "CaptchaRunwayMayRunOut",
      "CaptchaBalanceCheckFailing",
      "CaptchaBalanceStale",
      "CaptchaApiKeyRejected",
      "CaptchaSpendSurge",
      "CaptchaExporterShardsMismatch",
    ]);
    const anchors = new Set([...readme.matchAll(/^#{2,4} (.+)$/gm)].map((m) => githubAnchor(m[1]!)));
    for (const rule of alerts.groups.flatMap((g: Json) => g.rules) as Json[]) {
      const url = new URL(rule.annotations.runbook_url);
      expect(url.pathname.endsWith("/grafana/README.md"), rule.title).toBe(true);
      expect(url.hash, rule.title).toBe(`#${rule.title.toLowerCase()}`);
      expect(anchors.has(url.hash.slice(1)), `README section for ${rule.title}`).toBe(true);
    }
  });

  it("dashboard: fixed uid, datasource and account variables, every panel query filtered by account", () => {
    expect(dashboard.uid).toBe("captcha-runway");
    const vars = dashboard.templating.list as Json[];
    expect(vars.find((v) => v.name === "datasource")).toMatchObject({ type: "datasource", query: "prometheus" });
    expect(vars.find((v) => v.name === "account")).toMatchObject({ type: "query", includeAll: true, multi: true });
    const queries = dashboardQueries(dashboard);
    for (const q of queries.filter((q) => q.expr.includes("captcha_") && !q.expr.includes("build_info"))) {
      expect(q.expr, q.where).toContain('account=~"$account"');
    }
    const titles = (dashboard.panels as Json[]).map((p) => p.title);
    for (const t of ["Balance per account", "Runway", "Spend rate (per hour)", "Solves remaining per CAPTCHA type", "Balance check succeeded", "Check errors by reason (per minute)"]) {
      expect(titles).toContain(t);
    }
  });
});

describe("Grafana-managed rules mirror grafana/prometheus/alerts.yml", () => {
  const promRules = () => prom.groups.flatMap((g: Json) => g.rules) as Json[];

  it("same alerts, each Grafana query plus its threshold being the Prometheus expression", () => {
    const queries = alertQueries(alerts);
    expect(queries.map((q) => q.title).sort()).toEqual(promRules().map((r) => r.alert).sort());
    for (const q of queries) {
      const p = promRules().find((r) => r.alert === q.title)!;
      expect(q.threshold, `${q.title}: a threshold on the query`).toBeDefined();
      const op = { gt: ">", lt: "<" }[q.threshold!.type];
      expect(op, `${q.title}: threshold type`).toBeDefined();
      const candidates = [`(${q.expr}) ${op} ${q.threshold!.value}`, `${q.expr} ${op} ${q.threshold!.value}`].map(normalise);
      expect(candidates, `${q.title}: Prometheus expr ${p.expr}`).toContain(normalise(p.expr));
      expect(q.for, q.title).toBe(p.for);
      expect(q.labels, q.title).toEqual(p.labels);
      expect(Object.keys(q.annotations).sort(), q.title).toEqual(Object.keys(p.annotations).sort());
      for (const [k, v] of Object.entries(p.annotations as Record<string, string>)) {
        const asGrafana = v
          .replaceAll("{{ $value | humanizeDuration }}", "{{ humanizeDuration $values.B.Value }}")
          .replaceAll("{{ $value | humanize }}", "{{ humanize $values.B.Value }}");
        expect(q.annotations[k], `${q.title}.annotations.${k}`).toBe(asGrafana);
      }
    }
  });

  it("the runway alerts page on the exporter's estimate, captcha_runway_seconds, not on a balance / spend-rate ratio", async () => {
    const expr = (name: string) => normalise(promRules().find((r) => r.alert === name)!.expr);
    expect(expr("CaptchaRunwayLow")).toBe("captcha_runway_seconds < 86400");
    expect(expr("CaptchaRunwayCritical")).toBe("captcha_runway_seconds < 21600");
    // the info alert on the pessimistic runway, silent while the median says under a day
    expect(expr("CaptchaRunwayMayRunOut")).toBe(
      "(captcha_runway_lower_bound_seconds unless captcha_runway_seconds < 86400) < 86400",
    );
    const recording = await readFile(join(root, "grafana/prometheus/rules.yml"), "utf8");
    for (const text of [recording, ...promRules().map((r) => String(r.expr))]) {
      expect(text).not.toMatch(/captcha_balance\s*\/\s*rate\(/);
    }
  });

  it("Prometheus rules follow the conventions: CamelCase with the Captcha prefix, severity, summary, description, runbook", () => {
    for (const r of promRules()) {
      expect(r.alert).toMatch(/^Captcha[A-Z][A-Za-z]+$/);
      expect(["critical", "warning", "info"]).toContain(r.labels.severity);
      for (const a of ["summary", "description", "runbook_url"]) expect(r.annotations[a], `${r.alert}.${a}`).toBeTruthy();
      expect(parsePromDuration(r.for), `${r.alert}.for`).not.toBeNull();
    }
  });
});

function normalise(expr: string): string {
  return expr.replace(/\s+/g, " ").replace(/\( /g, "(").replace(/ \)/g, ")").trim();
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
function githubAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");
}

// ---------------------------------------------------------------------------------------------
// The checker itself: every broken copy must fail with an error naming what is wrong.

type Mutation = readonly [name: string, mutate: (doc: Json) => void, expected: RegExp];

const rule0 = (d: Json) => d.groups[0].rules[0];

const ALERT_MUTATIONS: readonly Mutation[] = [
  ["no apiVersion", (d) => delete d.apiVersion, /apiVersion: required, 1/],
  ["group without folder", (d) => delete d.groups[0].folder, /groups\[0\]\.folder: required/],
  ["group without name", (d) => delete d.groups[0].name, /groups\[0\]\.name: required/],
  ["group without interval", (d) => delete d.groups[0].interval, /groups\[0\]\.interval: required, a Prometheus duration/],
  ["interval not a multiple of 10s", (d) => (d.groups[0].interval = "15s"), /interval: must be a positive multiple of Grafana's 10s/],
  ["rule without uid", (d) => delete rule0(d).uid, /rules\[0\] \(CaptchaBalanceLow\)\.uid: required/],
  ["rule without title", (d) => delete rule0(d).title, /rules\[0\]\.title: required/],
  ["rule without condition", (d) => delete rule0(d).condition, /\.condition: required/],
  ["rule without data", (d) => delete rule0(d).data, /\.data: required, a non-empty list/],
  ["uid of 41 characters", (d) => (rule0(d).uid = "x".repeat(41)), /\.uid: a uid is at most 40 characters/],
  ["uid with a slash", (d) => (rule0(d).uid = "captcha/low"), /\.uid: a uid may contain only letters, digits/],
  ["duplicate uid", (d) => (d.groups[0].rules[1].uid = rule0(d).uid), /uids must be unique/],
  ["duplicate title", (d) => (d.groups[0].rules[1].title = rule0(d).title), /titles must be unique per folder/],
  ["unknown noDataState", (d) => (rule0(d).noDataState = "Nope"), /\.noDataState: expected one of NoData, Alerting, OK, KeepLast; got "Nope"/],
  ["unknown execErrState", (d) => (rule0(d).execErrState = "NoData"), /\.execErrState: expected one of Error, Alerting, OK, KeepLast; got "NoData"/],
  ["for in words", (d) => (rule0(d).for = "10 minutes"), /\.for: a Prometheus duration/],
  ["condition naming a missing refId", (d) => (rule0(d).condition = "Z"), /\.condition: refers to refId "Z", which no entry of data has/],
  ["expression naming a missing refId", (d) => (rule0(d).data[1].model.expression = "Q"), /data\[1\]\.model\.expression: must name the refId of another entry/],
  ["duplicate refId", (d) => (rule0(d).data[1].refId = "A"), /"A" is used twice in this rule/],
  ["model.refId differing", (d) => (rule0(d).data[0].model.refId = "X"), /data\[0\]\.model\.refId: must equal the query's refId/],
  ["literal data source", (d) => (rule0(d).data[0].datasourceUid = "prometheus"), /datasourceUid: expected the data source from the environment/],
  ["no data source", (d) => delete rule0(d).data[0].datasourceUid, /data\[0\]\.datasourceUid: required/],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${VAR}, as a user would write it
  ["env variable in the model", (d) => (rule0(d).data[2].model.conditions[0].evaluator.params = ["${LOW}"]), /does not expand environment variables in a rule's model/],
  ["threshold type of newer Grafanas", (d) => (rule0(d).data[2].model.conditions[0].evaluator.type = "gte"), /evaluator\.type: expected one of gt, lt, within_range, outside_range/],
  ["threshold without a number", (d) => (rule0(d).data[2].model.conditions[0].evaluator.params = []), /evaluator\.params: expected 1 number/],
  ["unknown reducer", (d) => (rule0(d).data[1].model.reducer = "final"), /model\.reducer: expected one of last/],
  ["expression without type", (d) => delete rule0(d).data[1].model.type, /model\.type: an expression \(datasourceUid __expr__\) needs a type/],
  ["query without expr", (d) => delete rule0(d).data[0].model.expr, /model\.expr: required, the PromQL query/],
  ["query without relativeTimeRange", (d) => delete rule0(d).data[0].relativeTimeRange, /relativeTimeRange: required for a data source query/],
  ["escaped $ in annotations", (d) => (rule0(d).annotations.summary = "{{ $$labels.account }}"), /annotations\.summary: annotations are not expanded by Grafana: "\$\$" would stay doubled/],
  ["lone $ in labels", (d) => (rule0(d).labels.team = "$team"), /labels\.team: Grafana expands environment variables in labels; write \$\$/],
  ["no severity", (d) => delete rule0(d).labels.severity, /labels\.severity: required by this bundle/],
  ["no runbook", (d) => delete rule0(d).annotations.runbook_url, /annotations\.runbook_url: required by this bundle/],
];

const DASHBOARD_MUTATIONS: readonly Mutation[] = [
  ["__inputs", (d) => (d.__inputs = [{ name: "DS_PROMETHEUS", type: "datasource", pluginId: "prometheus" }]), /__inputs: only the UI's import resolves __inputs/],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal import input, as exported dashboards have
  ["import input reference", (d) => (d.panels[1].datasource = { type: "prometheus", uid: "${DS_PROMETHEUS}" }), /refers to an import input/],
  ["no uid", (d) => delete d.uid, /uid: required/],
  ["uid of 41 characters", (d) => (d.uid = "d".repeat(41)), /uid: a uid is at most 40 characters/],
  ["no title", (d) => delete d.title, /title: required/],
  ["fixed data source", (d) => (d.panels[1].datasource = { type: "prometheus", uid: "P1809F7CD0C75ACF3" }), /datasource: must use the datasource variable/],
  ["target with a fixed data source", (d) => (d.panels[1].targets[0].datasource = { type: "prometheus", uid: "abc" }), /targets\[0\]\.datasource: must use the datasource variable/],
  ["no datasource variable", (d) => (d.templating.list = d.templating.list.filter((v: Json) => v.type !== "datasource")), /needs a variable of type "datasource"/],
  ["datasource variable for Loki", (d) => (d.templating.list.find((v: Json) => v.type === "datasource").query = "loki"), /lists Prometheus data sources/],
  ["unknown variable", (d) => (d.panels[1].targets[0].expr = 'captcha_balance{account=~"$acount"}'), /uses \$acount, which is neither a template variable/],
  ["duplicate panel id", (d) => (d.panels[2].id = d.panels[1].id), /is used by another panel/],
  ["panel off the grid", (d) => (d.panels[1].gridPos = { x: 20, y: 0, w: 8, h: 4 }), /x \+ w must be at most 24/],
  ["target without expr", (d) => delete d.panels[1].targets[0].expr, /targets\[0\]\.expr: required/],
  ["annotation with a fixed data source", (d) => (d.annotations.list[1].datasource = { uid: "prom" }), /annotations\.list\[1\]\.datasource: must use the datasource variable/],
];

const PROVIDER_MUTATIONS: readonly Mutation[] = [
  ["no apiVersion", (d) => delete d.apiVersion, /apiVersion: required, 1/],
  ["no options.path", (d) => delete d.providers[0].options.path, /providers\[0\]\.options\.path: required/],
  ["no options", (d) => delete d.providers[0].options, /providers\[0\]\.options\.path: required/],
  ["type other than file", (d) => (d.providers[0].type = "sql"), /providers\[0\]\.type: expected "file"/],
  ["no name", (d) => delete d.providers[0].name, /providers\[0\]\.name: required/],
  ["no providers", (d) => (d.providers = []), /providers: required, a non-empty list/],
];

describe("the checker fails on broken copies, naming the problem", () => {
  const run = (mutations: readonly Mutation[], original: () => Json, check: (d: unknown) => string[]) => {
    for (const [name, mutate, expected] of mutations) {
      it(name, () => {
        const copy = structuredClone(original());
        mutate(copy);
        const errors = check(copy);
        expect(errors.join("\n")).toMatch(expected);
      });
    }
  };
  describe("alert rules", () => run(ALERT_MUTATIONS, () => alerts, checkAlerts));
  describe("dashboard", () => run(DASHBOARD_MUTATIONS, () => dashboard, (d) => checkDashboard(d, "dashboard.json")));
  describe("dashboard provider", () => run(PROVIDER_MUTATIONS, () => provider, (d) => checkDashboardProviderFile(d, "provider.yml")));
});

describe("checkGrafanaBundle on a copy of grafana/ on disk", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "grafana-check-"));
    await cp(join(root, "grafana"), join(dir, "grafana"), { recursive: true });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("accepts the intact copy, then names the field removed from it and the file that does not parse", async () => {
    expect(await checkGrafanaBundle(dir)).toEqual([]);
    const file = join(dir, BUNDLE.alertFile);
    const text = await readFile(file, "utf8");
    await writeFile(file, text.replace(/^ {4}noDataState: OK\n/m, "").replace("    execErrState: Error\n", "    execErrState: Paused\n"));
    const errors = await checkGrafanaBundle(dir);
    expect(errors).toEqual([expect.stringMatching(/captcha-runway\.yml: groups\[0\]\.rules\[0\] \(CaptchaBalanceLow\)\.execErrState: expected one of .*got "Paused"/)]);
    await writeFile(file, text.replace("    condition: C\n", ""));
    expect((await checkGrafanaBundle(dir)).join("\n")).toMatch(/rules\[0\] \(CaptchaBalanceLow\)\.condition: required/);
    await writeFile(join(dir, BUNDLE.dashboardFile), "{ not json");
    expect((await checkGrafanaBundle(dir)).join("\n")).toMatch(/captcha-runway\.json: cannot be read or parsed/);
  });
});
