/**
 * A checker for the Grafana files we ship (no Grafana is available here to load them). It encodes
 * what Grafana's file provisioning requires, as read in Grafana's source:
 *
 * - alert rules, pkg/services/provisioning/alerting/rules_types.go: a group needs a name, a folder and
 *   an interval (Prometheus duration); a rule needs a title, a uid, data and a condition; `for` and
 *   `keepFiringFor` are Prometheus durations; noDataState is NoData|Alerting|OK|KeepLast and
 *   execErrState Error|Alerting|OK|KeepLast. UIDs (pkg/util/shortid_generator.go) are at most 40
 *   characters of [a-zA-Z0-9-_]. Rule titles are unique within a folder (ngalert's unique constraint),
 *   at most 190 characters. Environment variables are expanded in the string fields and the labels,
 *   but not in `model` (taken raw since Grafana 9.1) nor in `annotations` (raw; recent versions expand
 *   only braced `${VAR}`), so a `${VAR}` there reaches Grafana as written and a `$$` stays doubled.
 * - dashboard providers, pkg/services/provisioning/dashboards: `apiVersion: 1`, `providers[]` with a
 *   name, `type: file` and a string `options.path`.
 * - dashboards: a fixed uid (same rules as above) and a title; `__inputs` is resolved only by the
 *   UI's import, never by provisioning, so data sources must come from a datasource variable.
 *
 * Plus this bundle's own conventions: severity label, summary/description/runbook_url annotations,
 * Prometheus queries pointing at the data source given by an environment variable.
 *
 * Every problem is one string naming the file, the field path and what was expected.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";

export const NO_DATA_STATES = ["NoData", "Alerting", "OK", "KeepLast"] as const;
export const EXEC_ERR_STATES = ["Error", "Alerting", "OK", "KeepLast"] as const;
export const SEVERITIES = ["critical", "warning", "info"] as const;
/** Threshold evaluator types every Grafana since 9.1 understands. */
export const THRESHOLD_TYPES = ["gt", "lt", "within_range", "outside_range"] as const;
export const REDUCERS = ["last", "mean", "min", "max", "sum", "count", "median"] as const;
export const EXPRESSION_TYPES = ["reduce", "threshold", "math", "resample", "classic_conditions"] as const;
/** Grafana's default base evaluation interval: a group's interval must be a multiple of it. */
export const BASE_INTERVAL_SECONDS = 10;
export const MAX_UID_LENGTH = 40;
export const MAX_TITLE_LENGTH = 190;
/** Variables Grafana itself provides to dashboard queries. */
export const GRAFANA_BUILTIN_VARIABLES = [
  "__rate_interval",
  "__interval",
  "__interval_ms",
  "__range",
  "__range_s",
  "__range_ms",
  "__from",
  "__to",
  "__dashboard",
  "__org",
  "__user",
] as const;

export const ENV_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$|^\$__env\{[A-Za-z_][A-Za-z0-9_]*\}$/;
const UID_CHARS = /^[a-zA-Z0-9\-_]*$/;
const PROM_DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  return v === undefined ? "nothing" : JSON.stringify(v);
}

/** Seconds in a Prometheus duration (what Grafana's model.ParseDuration accepts), or null. */
export function parsePromDuration(s: string): number | null {
  if (s === "0") return 0;
  const m = PROM_DURATION.exec(s);
  if (!m || s === "") return null;
  const [y, w, d, h, min, sec, ms] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x)));
  return y! * 365 * 86400 + w! * 7 * 86400 + d! * 86400 + h! * 3600 + min! * 60 + sec! + ms! / 1000;
}

class Report {
  readonly errors: string[] = [];
  readonly file: string;
  constructor(file: string) {
    this.file = file;
  }
  add(path: string, message: string): void {
    this.errors.push(`${this.file}: ${path}: ${message}`);
  }
  /** A required non-empty string; returns it, or undefined after reporting. */
  str(o: Obj, key: string, path: string): string | undefined {
    const v = o[key];
    if (typeof v !== "string" || v.trim() === "") {
      this.add(`${path}.${key}`, `required, a non-empty string; got ${show(v)}`);
      return undefined;
    }
    return v;
  }
  uid(v: string, path: string): void {
    if (v.length > MAX_UID_LENGTH) this.add(path, `a uid is at most ${MAX_UID_LENGTH} characters; "${v}" has ${v.length}`);
    if (!UID_CHARS.test(v)) this.add(path, `a uid may contain only letters, digits, '-' and '_'; got "${v}"`);
  }
  duration(o: Obj, key: string, path: string, required: boolean): number | undefined {
    const v = o[key];
    if (v === undefined && !required) return undefined;
    const secs = typeof v === "string" ? parsePromDuration(v) : null;
    if (secs === null) {
      this.add(`${path}.${key}`, `${required ? "required, " : ""}a Prometheus duration such as 30s, 5m or 1h30m; got ${show(v)}`);
      return undefined;
    }
    return secs;
  }
  oneOf(o: Obj, key: string, allowed: readonly string[], path: string): void {
    const v = o[key];
    if (typeof v !== "string" || !allowed.includes(v.trim())) {
      this.add(`${path}.${key}`, `expected one of ${allowed.join(", ")}; got ${show(v)}`);
    }
  }
}

function stringMap(r: Report, o: Obj, key: string, path: string): Record<string, string> {
  const v = o[key];
  if (v === undefined) return {};
  if (!isObj(v)) {
    r.add(`${path}.${key}`, `expected a map of strings; got ${show(v)}`);
    return {};
  }
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== "string") r.add(`${path}.${key}.${k}`, `expected a string; got ${show(val)}`);
    else out[k] = val;
  }
  return out;
}

/** Every string inside a JSON-like value, with its path. */
function strings(v: unknown, path: string, out: { path: string; value: string }[] = []): { path: string; value: string }[] {
  if (typeof v === "string") out.push({ path, value: v });
  else if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) strings(x, `${path}[${i}]`, out);
  }
  else if (isObj(v)) for (const [k, x] of Object.entries(v)) strings(x, `${path}.${k}`, out);
  return out;
}

export interface AlertFileOptions {
  /** Names of environment variables the file may use for Prometheus data source UIDs. */
  readonly datasourceEnv?: readonly string[];
}

/** Checks a Grafana alert-rule provisioning document (already parsed from YAML). */
export function checkAlertRuleFile(doc: unknown, file: string, options: AlertFileOptions = {}): string[] {
  const r = new Report(file);
  if (!isObj(doc)) {
    r.add("(root)", `expected a YAML map with apiVersion and groups; got ${show(doc)}`);
    return r.errors;
  }
  if (doc.apiVersion !== 1) r.add("apiVersion", `required, 1; got ${show(doc.apiVersion)}`);
  if (!Array.isArray(doc.groups) || doc.groups.length === 0) {
    r.add("groups", `required, a non-empty list of rule groups; got ${show(doc.groups)}`);
    return r.errors;
  }
  const uids = new Map<string, string>();
  const titles = new Map<string, string>();
  doc.groups.forEach((g: unknown, gi: number) => {
    const gp = `groups[${gi}]`;
    if (!isObj(g)) {
        r.add(gp, "expected a map");
        return;
      }
    if (g.orgId !== undefined && !(Number.isInteger(g.orgId) && (g.orgId as number) >= 1)) {
      r.add(`${gp}.orgId`, `expected an organisation id (integer >= 1); got ${show(g.orgId)}`);
    }
    r.str(g, "name", gp);
    const folder = r.str(g, "folder", gp);
    const interval = r.duration(g, "interval", gp, true);
    if (interval !== undefined && (interval <= 0 || interval % BASE_INTERVAL_SECONDS !== 0)) {
      r.add(`${gp}.interval`, `must be a positive multiple of Grafana's ${BASE_INTERVAL_SECONDS}s base interval; got ${show(g.interval)}`);
    }
    if (!Array.isArray(g.rules) || g.rules.length === 0) {
      r.add(`${gp}.rules`, `required, a non-empty list; got ${show(g.rules)}`);
      return;
    }
    g.rules.forEach((rule: unknown, ri: number) => {
      const rp = `${gp}.rules[${ri}]`;
      if (!isObj(rule)) {
        r.add(rp, "expected a map");
        return;
      }
      const title = r.str(rule, "title", rp);
      const where = title ? `${rp} (${title})` : rp;
      if (title && title.length > MAX_TITLE_LENGTH) r.add(`${where}.title`, `at most ${MAX_TITLE_LENGTH} characters`);
      if (title && folder) {
        const key = `${folder}\u0000${title}`;
        if (titles.has(key)) r.add(`${where}.title`, `"${title}" is also the title of ${titles.get(key)} in folder "${folder}"; titles must be unique per folder`);
        else titles.set(key, where);
      }
      const uid = r.str(rule, "uid", where);
      if (uid) {
        r.uid(uid, `${where}.uid`);
        if (uids.has(uid)) r.add(`${where}.uid`, `"${uid}" is also the uid of ${uids.get(uid)}; uids must be unique`);
        else uids.set(uid, where);
      }
      r.duration(rule, "for", where, false);
      r.duration(rule, "keepFiringFor", where, false);
      if (rule.noDataState !== undefined) r.oneOf(rule, "noDataState", NO_DATA_STATES, where);
      if (rule.execErrState !== undefined) r.oneOf(rule, "execErrState", EXEC_ERR_STATES, where);
      if (rule.isPaused !== undefined && typeof rule.isPaused !== "boolean") r.add(`${where}.isPaused`, `expected true or false; got ${show(rule.isPaused)}`);
      checkRuleData(r, rule, where, options);
      const labels = stringMap(r, rule, "labels", where);
      for (const [k, v] of Object.entries(labels)) {
        // labels ARE expanded: a lone $ would be eaten by Grafana
        if (v.replaceAll("$$", "").includes("$") && !ENV_REFERENCE.test(v)) {
          r.add(`${where}.labels.${k}`, `Grafana expands environment variables in labels; write $$ for a literal $ (got "${v}")`);
        }
      }
      const annotations = stringMap(r, rule, "annotations", where);
      for (const [k, v] of Object.entries(annotations)) {
        if (v.includes("$$")) r.add(`${where}.annotations.${k}`, `annotations are not expanded by Grafana: "$$" would stay doubled; write "$" (got "${v}")`);
        if (/\$\{|\$__env\{|\$__file\{/.test(v)) {
          r.add(`${where}.annotations.${k}`, `annotations are not (or only partly) expanded by Grafana: an environment reference would show as written (got "${v}")`);
        }
      }
      // this bundle's conventions
      if (!(SEVERITIES as readonly string[]).includes(labels.severity ?? "")) {
        r.add(`${where}.labels.severity`, `required by this bundle, one of ${SEVERITIES.join(", ")}; got ${show(labels.severity)}`);
      }
      for (const a of ["summary", "description", "runbook_url"]) {
        if (!annotations[a]?.trim()) r.add(`${where}.annotations.${a}`, "required by this bundle, a non-empty string");
      }
    });
  });
  return r.errors;
}

function checkRuleData(r: Report, rule: Obj, where: string, options: AlertFileOptions): void {
  const data = rule.data;
  if (!Array.isArray(data) || data.length === 0) {
    r.add(`${where}.data`, `required, a non-empty list of queries and expressions; got ${show(data)}`);
    return;
  }
  const refIds = new Set<string>();
  data.forEach((q: unknown, qi: number) => {
    if (!isObj(q)) return;
    const refId = q.refId;
    if (typeof refId === "string" && refId !== "") {
      if (refIds.has(refId)) r.add(`${where}.data[${qi}].refId`, `"${refId}" is used twice in this rule`);
      refIds.add(refId);
    }
  });
  data.forEach((q: unknown, qi: number) => {
    const qp = `${where}.data[${qi}]`;
    if (!isObj(q)) {
        r.add(qp, "expected a map");
        return;
      }
    const refId = r.str(q, "refId", qp);
    const ds = r.str(q, "datasourceUid", qp);
    const model = q.model;
    if (!isObj(model)) {
        r.add(`${qp}.model`, `required, a map (the query or expression); got ${show(model)}`);
        return;
      }
    if (model.refId !== undefined && model.refId !== refId) r.add(`${qp}.model.refId`, `must equal the query's refId ${show(refId)}; got ${show(model.refId)}`);
    for (const s of strings(model, `${qp}.model`)) {
      if (/\$\{|\$__env\{|\$__file\{/.test(s.value)) {
        r.add(s.path, `Grafana does not expand environment variables in a rule's model; "${s.value}" would reach the data source as written`);
      }
    }
    if (ds === "__expr__") {
      checkExpression(r, model, qp, refIds);
      return;
    }
    if (ds !== undefined) {
      const allowed = options.datasourceEnv;
      if (allowed && !allowed.some((name) => ds === `\${${name}}` || ds === `$__env{${name}}`)) {
        r.add(`${qp}.datasourceUid`, `expected the data source from the environment (${allowed.map((n) => `\${${n}}`).join(" or ")}); got "${ds}"`);
      }
    }
    const rtr = q.relativeTimeRange;
    if (!isObj(rtr) || typeof rtr.from !== "number" || typeof rtr.to !== "number" || rtr.from < rtr.to || rtr.to < 0) {
      r.add(`${qp}.relativeTimeRange`, `required for a data source query: {from, to} in seconds before now, from >= to >= 0; got ${show(rtr)}`);
    }
    if (typeof model.expr !== "string" || model.expr.trim() === "") r.add(`${qp}.model.expr`, `required, the PromQL query; got ${show(model.expr)}`);
  });
  const condition = r.str(rule, "condition", where);
  if (condition !== undefined && !refIds.has(condition)) {
    r.add(`${where}.condition`, `refers to refId "${condition}", which no entry of data has (have: ${[...refIds].join(", ")})`);
  }
}

function checkExpression(r: Report, model: Obj, qp: string, refIds: ReadonlySet<string>): void {
  const type = model.type;
  if (typeof type !== "string" || !(EXPRESSION_TYPES as readonly string[]).includes(type)) {
    r.add(`${qp}.model.type`, `an expression (datasourceUid __expr__) needs a type, one of ${EXPRESSION_TYPES.join(", ")}; got ${show(type)}`);
    return;
  }
  if (type === "reduce" || type === "threshold" || type === "resample") {
    const e = model.expression;
    if (typeof e !== "string" || !refIds.has(e)) {
      r.add(`${qp}.model.expression`, `must name the refId of another entry of data (have: ${[...refIds].join(", ")}); got ${show(e)}`);
    }
  }
  if (type === "math") {
    const e = typeof model.expression === "string" ? model.expression : "";
    const refs = [...e.matchAll(/\$\{?([A-Za-z0-9_]+)\}?/g)].map((m) => m[1]!);
    if (refs.length === 0) r.add(`${qp}.model.expression`, `a math expression refers to other entries as $A; got ${show(model.expression)}`);
    for (const ref of refs) if (!refIds.has(ref)) r.add(`${qp}.model.expression`, `refers to $${ref}, which no entry of data has`);
  }
  if (type === "reduce" && (typeof model.reducer !== "string" || !(REDUCERS as readonly string[]).includes(model.reducer))) {
    r.add(`${qp}.model.reducer`, `expected one of ${REDUCERS.join(", ")}; got ${show(model.reducer)}`);
  }
  if (type === "threshold") {
    const conds = model.conditions;
    const ev = Array.isArray(conds) && isObj(conds[0]) ? conds[0].evaluator : undefined;
    if (!isObj(ev)) {
      r.add(`${qp}.model.conditions[0].evaluator`, `a threshold needs conditions[0].evaluator {type, params}; got ${show(ev)}`);
      return;
    }
    const evType = ev.type;
    if (typeof evType !== "string" || !(THRESHOLD_TYPES as readonly string[]).includes(evType)) {
      r.add(`${qp}.model.conditions[0].evaluator.type`, `expected one of ${THRESHOLD_TYPES.join(", ")}; got ${show(evType)}`);
    }
    const want = evType === "within_range" || evType === "outside_range" ? 2 : 1;
    const params = ev.params;
    if (!Array.isArray(params) || params.length < want || !params.slice(0, want).every((p) => typeof p === "number" && Number.isFinite(p))) {
      r.add(`${qp}.model.conditions[0].evaluator.params`, `expected ${want} number(s); got ${show(params)}`);
    }
  }
}

/** Checks a dashboard provider file (provisioning/dashboards/*.yml). */
export function checkDashboardProviderFile(doc: unknown, file: string): string[] {
  const r = new Report(file);
  if (!isObj(doc)) {
    r.add("(root)", `expected a YAML map with apiVersion and providers; got ${show(doc)}`);
    return r.errors;
  }
  if (doc.apiVersion !== 1) r.add("apiVersion", `required, 1; got ${show(doc.apiVersion)}`);
  if (!Array.isArray(doc.providers) || doc.providers.length === 0) {
    r.add("providers", `required, a non-empty list; got ${show(doc.providers)}`);
    return r.errors;
  }
  const names = new Set<string>();
  doc.providers.forEach((p: unknown, i: number) => {
    const pp = `providers[${i}]`;
    if (!isObj(p)) {
        r.add(pp, "expected a map");
        return;
      }
    const name = r.str(p, "name", pp);
    if (name) {
      if (names.has(name)) r.add(`${pp}.name`, `"${name}" is used by another provider; names must be unique`);
      names.add(name);
    }
    if (p.type !== "file") r.add(`${pp}.type`, `expected "file"; got ${show(p.type)}`);
    if (p.orgId !== undefined && !(Number.isInteger(p.orgId) && (p.orgId as number) >= 1)) r.add(`${pp}.orgId`, `expected an integer >= 1; got ${show(p.orgId)}`);
    if (p.folderUid !== undefined) {
      if (typeof p.folderUid !== "string") r.add(`${pp}.folderUid`, `expected a string; got ${show(p.folderUid)}`);
      else r.uid(p.folderUid, `${pp}.folderUid`);
    }
    for (const k of ["disableDeletion", "allowUiUpdates"]) {
      if (p[k] !== undefined && typeof p[k] !== "boolean") r.add(`${pp}.${k}`, `expected true or false; got ${show(p[k])}`);
    }
    if (p.updateIntervalSeconds !== undefined && !(Number.isInteger(p.updateIntervalSeconds) && (p.updateIntervalSeconds as number) > 0)) {
      r.add(`${pp}.updateIntervalSeconds`, `expected a positive integer; got ${show(p.updateIntervalSeconds)}`);
    }
    const opts = p.options;
    if (!isObj(opts) || typeof opts.path !== "string" || opts.path.trim() === "") {
      r.add(`${pp}.options.path`, `required, the directory holding the dashboard JSON files; got ${show(isObj(opts) ? opts.path : opts)}`);
    }
  });
  return r.errors;
}

export interface DashboardQuery {
  readonly where: string;
  readonly expr: string;
}

/** Every PromQL expression of a dashboard: panel targets and annotation queries. */
export function dashboardQueries(doc: unknown): DashboardQuery[] {
  const out: DashboardQuery[] = [];
  if (!isObj(doc)) return out;
  const visit = (panels: unknown, prefix: string) => {
    if (!Array.isArray(panels)) return;
    panels.forEach((p: unknown, i: number) => {
      if (!isObj(p)) return;
      const pp = `${prefix}[${i}] (${String(p.title ?? "")})`;
      if (Array.isArray(p.targets)) {
        p.targets.forEach((t: unknown, ti: number) => {
          if (isObj(t) && typeof t.expr === "string") out.push({ where: `${pp}.targets[${ti}]`, expr: t.expr });
        });
      }
      visit(p.panels, `${pp}.panels`);
    });
  };
  visit(doc.panels, "panels");
  const ann = isObj(doc.annotations) ? doc.annotations.list : undefined;
  if (Array.isArray(ann)) {
    ann.forEach((a: unknown, i: number) => {
      if (isObj(a) && typeof a.expr === "string") out.push({ where: `annotations.list[${i}] (${String(a.name ?? "")})`, expr: a.expr });
    });
  }
  return out;
}

const DS_VARIABLE_REFS = (name: string) => [`\${${name}}`, `$${name}`];

/** Checks a dashboard JSON document (already parsed). */
export function checkDashboard(doc: unknown, file: string): string[] {
  const r = new Report(file);
  if (!isObj(doc)) {
    r.add("(root)", `expected a JSON object; got ${show(doc)}`);
    return r.errors;
  }
  if ("__inputs" in doc) {
    r.add("__inputs", "only the UI's import resolves __inputs; provisioning loads the file as is: use a datasource template variable instead");
  }
  for (const s of strings(doc, "(root)")) {
    if (/\$\{DS_[A-Z0-9_]+\}/.test(s.value)) r.add(s.path, `refers to an import input (${s.value}); use the datasource template variable`);
  }
  const uid = r.str(doc, "uid", "(root)");
  if (uid) r.uid(uid, "uid");
  r.str(doc, "title", "(root)");
  if (doc.id !== undefined && doc.id !== null) r.add("id", `must be null or absent (Grafana assigns it); got ${show(doc.id)}`);
  if (typeof doc.schemaVersion !== "number") r.add("schemaVersion", `required, a number; got ${show(doc.schemaVersion)}`);

  // template variables
  const vars = isObj(doc.templating) && Array.isArray(doc.templating.list) ? doc.templating.list : [];
  const varNames = new Set<string>();
  let dsVar: string | undefined;
  vars.forEach((v: unknown, i: number) => {
    const vp = `templating.list[${i}]`;
    if (!isObj(v)) {
        r.add(vp, "expected a map");
        return;
      }
    const name = r.str(v, "name", vp);
    if (!name) return;
    if (varNames.has(name)) r.add(`${vp}.name`, `"${name}" is defined twice`);
    varNames.add(name);
    if (v.type === "datasource") {
      if (v.query !== "prometheus") r.add(`${vp}.query`, `a datasource variable for this dashboard lists Prometheus data sources: "prometheus"; got ${show(v.query)}`);
      dsVar ??= name;
    }
  });
  if (dsVar === undefined) {
    r.add("templating.list", 'needs a variable of type "datasource" with query "prometheus" that the panels use');
    return r.errors;
  }
  const dsRefs = DS_VARIABLE_REFS(dsVar);
  const checkDs = (ds: unknown, path: string, allowBuiltIn: boolean) => {
    if (allowBuiltIn && isObj(ds) && ds.uid === "-- Grafana --") return;
    const uidRef = isObj(ds) ? ds.uid : ds;
    if (typeof uidRef !== "string" || !dsRefs.includes(uidRef)) {
      r.add(path, `must use the datasource variable (uid "\${${dsVar}}"); got ${show(ds)}`);
    } else if (isObj(ds) && ds.type !== undefined && ds.type !== "prometheus") {
      r.add(`${path}.type`, `expected "prometheus"; got ${show(ds.type)}`);
    }
  };
  vars.forEach((v: unknown, i: number) => {
    if (isObj(v) && v.type === "query") checkDs(v.datasource, `templating.list[${i}].datasource`, false);
  });

  // panels
  const ids = new Set<number>();
  const visit = (panels: unknown, prefix: string) => {
    if (panels === undefined) return;
    if (!Array.isArray(panels)) {
        r.add(prefix, "expected a list of panels");
        return;
      }
    panels.forEach((p: unknown, i: number) => {
      const pp = `${prefix}[${i}]`;
      if (!isObj(p)) {
        r.add(pp, "expected a map");
        return;
      }
      const where = `${pp} (${String(p.title ?? "")})`;
      r.str(p, "type", where);
      if (!Number.isInteger(p.id)) r.add(`${where}.id`, `required, an integer; got ${show(p.id)}`);
      else if (ids.has(p.id as number)) r.add(`${where}.id`, `${p.id} is used by another panel`);
      else ids.add(p.id as number);
      const gp = p.gridPos;
      if (!isObj(gp) || !["x", "y", "w", "h"].every((k) => Number.isInteger(gp[k]) && (gp[k] as number) >= 0)) {
        r.add(`${where}.gridPos`, `required: integers x, y, w, h; got ${show(gp)}`);
      } else if ((gp.x as number) + (gp.w as number) > 24) {
        r.add(`${where}.gridPos`, `x + w must be at most 24 (the grid's width); got x=${gp.x}, w=${gp.w}`);
      }
      if (p.type !== "row") {
        r.str(p, "title", where);
        checkDs(p.datasource, `${where}.datasource`, false);
        if (!Array.isArray(p.targets) || p.targets.length === 0) r.add(`${where}.targets`, "required, at least one query");
        const refs = new Set<string>();
        (Array.isArray(p.targets) ? p.targets : []).forEach((t: unknown, ti: number) => {
          const tp = `${where}.targets[${ti}]`;
          if (!isObj(t)) {
        r.add(tp, "expected a map");
        return;
      }
          const ref = r.str(t, "refId", tp);
          if (ref) {
            if (refs.has(ref)) r.add(`${tp}.refId`, `"${ref}" is used twice in this panel`);
            refs.add(ref);
          }
          r.str(t, "expr", tp);
          if (t.datasource !== undefined) checkDs(t.datasource, `${tp}.datasource`, false);
        });
      }
      visit(p.panels, `${where}.panels`);
    });
  };
  visit(doc.panels, "panels");
  const ann = isObj(doc.annotations) && Array.isArray(doc.annotations.list) ? doc.annotations.list : [];
  ann.forEach((a: unknown, i: number) => {
    if (isObj(a)) checkDs(a.datasource, `annotations.list[${i}].datasource`, true);
  });

  // variables used in queries must exist
  const known = new Set<string>([...varNames, ...GRAFANA_BUILTIN_VARIABLES]);
  for (const q of dashboardQueries(doc)) {
    for (const m of q.expr.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) {
      if (!known.has(m[1]!)) r.add(q.where, `uses $${m[1]}, which is neither a template variable of this dashboard nor a Grafana built-in`);
    }
  }
  return r.errors;
}

export interface GrafanaBundle {
  readonly alertFile: string;
  readonly providerFile: string;
  readonly dashboardFile: string;
}

/** Where the shipped files live, relative to the repository root. */
export const BUNDLE: GrafanaBundle = {
  alertFile: "grafana/provisioning/alerting/captcha-runway.yml",
  providerFile: "grafana/provisioning/dashboards/captcha-runway.yml",
  dashboardFile: "grafana/dashboards/captcha-runway.json",
};

export const DATASOURCE_ENV = "CAPTCHA_RUNWAY_DATASOURCE_UID";

/** Loads and checks the three Grafana files under `root`; an empty list means all is well. */
export async function checkGrafanaBundle(root: string, bundle: GrafanaBundle = BUNDLE): Promise<string[]> {
  const errors: string[] = [];
  const load = async (rel: string, json: boolean): Promise<unknown> => {
    try {
      const text = await readFile(join(root, rel), "utf8");
      return json ? JSON.parse(text) : parseYaml(text);
    } catch (err) {
      errors.push(`${rel}: cannot be read or parsed: ${(err as Error).message}`);
      return undefined;
    }
  };
  const alerts = await load(bundle.alertFile, false);
  if (alerts !== undefined) errors.push(...checkAlertRuleFile(alerts, bundle.alertFile, { datasourceEnv: [DATASOURCE_ENV] }));
  const provider = await load(bundle.providerFile, false);
  if (provider !== undefined) errors.push(...checkDashboardProviderFile(provider, bundle.providerFile));
  const dashboard = await load(bundle.dashboardFile, true);
  if (dashboard !== undefined) errors.push(...checkDashboard(dashboard, bundle.dashboardFile));
  return errors;
}

export interface AlertQuery {
  readonly title: string;
  readonly refId: string;
  readonly expr: string;
  /** The threshold applied to the query's last value: "gt" or "lt" and the number. */
  readonly threshold?: { readonly type: string; readonly value: number };
  readonly for?: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

/** The Prometheus query of each Grafana rule, with the threshold its condition applies (reduce → threshold). */
export function alertQueries(doc: unknown): AlertQuery[] {
  const out: AlertQuery[] = [];
  if (!isObj(doc) || !Array.isArray(doc.groups)) return out;
  for (const g of doc.groups) {
    if (!isObj(g) || !Array.isArray(g.rules)) continue;
    for (const rule of g.rules) {
      if (!isObj(rule) || !Array.isArray(rule.data)) continue;
      const data = rule.data.filter(isObj);
      const byRef = new Map(data.map((q) => [String(q.refId), q]));
      // follow condition → threshold → reduce → query
      let threshold: AlertQuery["threshold"];
      let cur = byRef.get(String(rule.condition));
      for (let hops = 0; cur && cur.datasourceUid === "__expr__" && hops < 5; hops++) {
        const model = isObj(cur.model) ? cur.model : {};
        if (model.type === "threshold") {
          const conds = Array.isArray(model.conditions) ? model.conditions : [];
          const ev = isObj(conds[0]) && isObj(conds[0].evaluator) ? conds[0].evaluator : {};
          const p = Array.isArray(ev.params) ? ev.params[0] : undefined;
          if (typeof ev.type === "string" && typeof p === "number") threshold = { type: ev.type, value: p };
        }
        cur = byRef.get(String(model.expression));
      }
      for (const q of data) {
        if (q.datasourceUid === "__expr__" || !isObj(q.model) || typeof q.model.expr !== "string") continue;
        out.push({
          title: String(rule.title),
          refId: String(q.refId),
          expr: q.model.expr,
          ...(q === cur && threshold ? { threshold } : {}),
          ...(typeof rule.for === "string" ? { for: rule.for } : {}),
          labels: isObj(rule.labels) ? (rule.labels as Record<string, string>) : {},
          annotations: isObj(rule.annotations) ? (rule.annotations as Record<string, string>) : {},
        });
      }
    }
  }
  return out;
}
