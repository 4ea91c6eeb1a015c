/**
 * The metric declarations (exporter/metric-definitions.ts) against what /metrics renders from them:
 * every declared family is written with its HELP, TYPE and samples, nothing undeclared is written,
 * the contract Grafana, the rules and the alerts depend on stays put, docs/exporter.md's table gives
 * each metric's labels and type as declared, and money never shows float noise.
 * (test/integration/metrics-docs.test.ts holds the docs' lists to a real exporter's /metrics.)
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { plainAmount } from "../../core/money.ts";
import { defaultPrices } from "../../core/pricing.ts";
import { FAILURE_REASONS } from "../../core/reasons.ts";
import { ACCOUNT_METRICS, EXPORTER_METRICS, type MetricDefinition } from "../../exporter/metric-definitions.ts";
import { ExporterMetrics } from "../../exporter/metrics.ts";
import { type AccountStatus, emptyErrors, uncheckedStatus } from "../../exporter/poller.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const DECLARED: readonly MetricDefinition<never>[] = [...ACCOUNT_METRICS, ...EXPORTER_METRICS];

function status(account: string, over: Partial<AccountStatus> = {}): AccountStatus {
  return {
    ...uncheckedStatus({
      labels: { account, provider: "2captcha" },
      intervalMs: 60_000,
      prices: defaultPrices("2captcha"),
      currency: "USD",
      estimate: { runwaySeconds: null, runwayLowerBoundSeconds: null, spendRatePerSecond: null, trendPerDay: 0, spentTotal: 0, depositedTotal: 0 },
    }),
    ...over,
  };
}

const spending = {
  runwaySeconds: 36_000,
  runwayLowerBoundSeconds: 20_000,
  spendRatePerSecond: 0.000_25,
  trendPerDay: 0,
  // what summing balance decreases gives (0.25 + 0.2592 + 0.35 in floating point)
  spentTotal: 0.8592000000000013,
  depositedTotal: 5,
};

/** One account in each state the families depend on. */
function accounts(): AccountStatus[] {
  return [
    // declared, not checked yet (a first start)
    status("fresh"),
    // checked, spending: every value known
    status("spending", {
      balance: 9,
      estimate: spending,
      valuesCurrent: true,
      checks: 3,
      lastAttemptAtMs: 1_800_000_000_000,
      lastSuccessAtMs: 1_800_000_000_000,
      lastCheckDurationSeconds: 0.25,
      up: true,
    }),
    // was up, its last check failed: values kept, up 0, an error counted
    status("failing", {
      currency: "RUB",
      balance: 120.5,
      estimate: { ...spending, runwaySeconds: Number.POSITIVE_INFINITY },
      valuesCurrent: true,
      checks: 2,
      lastSuccessAtMs: 1_800_000_000_000,
      lastCheckDurationSeconds: 10,
      up: false,
      consecutiveFailures: 1,
      errors: { ...emptyErrors(), auth: 1 },
    }),
    // a name beyond ASCII, with characters the exposition escapes
    status('münchen-€ "b"\\', { balance: 0.1, valuesCurrent: true, up: true, lastSuccessAtMs: 1_800_000_000_000, lastCheckDurationSeconds: 0.5 }),
  ];
}

interface Family {
  help?: string;
  type?: string;
  samples: { name: string; labels: Record<string, string>; value: string }[];
}

/** A small exposition parser: families by name (HELP/TYPE name), samples under the family they follow. */
function parse(body: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const family = (name: string) => {
    const f = families.get(name) ?? { samples: [] };
    families.set(name, f);
    return f;
  };
  let current = "";
  for (const line of body.split("\n")) {
    if (line === "" || line === "# EOF") continue;
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) {
      current = meta[2]!;
      if (meta[1] === "HELP") family(current).help = meta[3]!;
      else family(current).type = meta[3]!;
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) throw new Error(`not an exposition line: ${line}`);
    const labels = Object.fromEntries([...(sample[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
    family(current).samples.push({ name: sample[1]!, labels, value: sample[3]! });
  }
  return families;
}

async function rendered(openMetrics: boolean): Promise<Map<string, Family>> {
  const metrics = new ExporterMetrics({ buildInfo: { version: "1.2.3", revision: "abcdef123456", nodejs: "v24.0.0" }, defaultMetrics: false });
  for (const a of accounts()) metrics.addAccount(a);
  return parse(await metrics.render(openMetrics));
}

const familyName = (d: MetricDefinition<never>, openMetrics: boolean) => (openMetrics && d.type === "counter" ? d.name.replace(/_total$/, "") : d.name);

describe.each([
  ["text", false],
  ["OpenMetrics", true],
])("the %s exposition", (_format, openMetrics) => {
  it("writes every declared family with its HELP, TYPE and samples carrying exactly the declared labels", async () => {
    const families = await rendered(openMetrics);
    for (const d of DECLARED) {
      const f = families.get(familyName(d, openMetrics));
      expect(f, `${d.name} is declared but not rendered`).toBeDefined();
      expect(f!.help).toBe(openMetrics ? d.help.replace(/"/g, '\\"') : d.help);
      expect(f!.type).toBe(d.type);
      expect(f!.samples.length, `${d.name} has no sample`).toBeGreaterThan(0);
      for (const s of f!.samples) {
        expect(s.name).toBe(d.name);
        expect(Object.keys(s.labels)).toEqual(d.labels);
      }
    }
  });

  it("writes no family that is not declared, in the declared order", async () => {
    const families = await rendered(openMetrics);
    expect([...families.keys()]).toEqual(DECLARED.map((d) => familyName(d, openMetrics)));
  });
});

describe("the account families", () => {
  it("follow each account's status: absent while unknown, kept after a failure", async () => {
    const families = await rendered(false);
    const of = (name: string, account: string) => families.get(name)!.samples.filter((s) => s.labels["account"] === account);
    const one = (name: string, account: string) => of(name, account).map((s) => s.value);
    // not checked yet: counters, error counters and the interval only
    for (const name of ["captcha_balance", "captcha_spend_rate_per_second", "captcha_runway_seconds", "captcha_solves_remaining", "captcha_up"]) {
      expect(of(name, "fresh"), name).toEqual([]);
    }
    expect(one("captcha_spent_total", "fresh")).toEqual(["0"]);
    expect(of("captcha_check_errors_total", "fresh").map((s) => s.labels["reason"])).toEqual([...FAILURE_REASONS]);
    expect(one("captcha_poll_interval_seconds", "fresh")).toEqual(["60"]);
    // spending
    expect(one("captcha_up", "spending")).toEqual(["1"]);
    expect(one("captcha_runway_seconds", "spending")).toEqual(["36000"]);
    expect(one("captcha_runway_exhaustion_timestamp_seconds", "spending")).toEqual([String(1_800_000_000 + 36_000)]);
    expect(of("captcha_solves_remaining", "spending").map((s) => s.labels["captcha_type"])).toEqual(Object.keys(defaultPrices("2captcha")).sort());
    // failing: last good values stay, an infinite runway is absent, the money series carry its currency
    expect(one("captcha_up", "failing")).toEqual(["0"]);
    expect(of("captcha_balance", "failing")).toEqual([{ name: "captcha_balance", labels: { account: "failing", provider: "2captcha", currency: "RUB" }, value: "120.5" }]);
    expect(of("captcha_runway_seconds", "failing")).toEqual([]);
    expect(of("captcha_runway_lower_bound_seconds", "failing")).toEqual([]);
    expect(one("captcha_check_errors_total", "failing")).toEqual(["1", "0", "0", "0", "0", "0", "0", "0"]);
    // escaped, its multi-byte characters not shifting the lines after it (parse() rejects a broken line)
    expect(one("captcha_balance", 'münchen-€ \\"b\\"\\\\')).toEqual(["0.1"]);
  });

  it("change when the status does and update() is called", async () => {
    const metrics = new ExporterMetrics({ buildInfo: { version: "1", revision: "x", nodejs: "v24" }, defaultMetrics: false });
    const a = status("a");
    metrics.addAccount(a);
    expect(await metrics.render(false)).not.toMatch(/^captcha_up/m);
    a.up = false;
    a.errors.timeout += 1;
    metrics.update(a);
    const body = await metrics.render(false);
    expect(body).toMatch(/^captcha_up\{account="a",provider="2captcha"\} 0$/m);
    expect(body).toMatch(/^captcha_check_errors_total\{account="a",provider="2captcha",reason="timeout"\} 1$/m);
    expect(() => metrics.update(status("a"))).toThrow(/not added/);
    expect(() => metrics.addAccount(a)).toThrow(/twice/);
  });

  it("write money without float noise", async () => {
    const families = await rendered(false);
    const spent = families.get("captcha_spent_total")!.samples.find((s) => s.labels["account"] === "spending")!;
    expect(spent.value).toBe("0.8592");
    for (const f of families.values()) for (const s of f.samples) expect(s.value, `${s.name} ${s.value}`).not.toMatch(/\d{12,}/);
  });
});

describe("the declarations", () => {
  it("keep the metric contract: names, types and labels", () => {
    expect(DECLARED.map((d) => `${d.name} ${d.type} {${d.labels.join(",")}}`)).toEqual([
      "captcha_balance gauge {account,provider,currency}",
      "captcha_spent_total counter {account,provider,currency}",
      "captcha_deposited_total counter {account,provider,currency}",
      "captcha_spend_rate_per_second gauge {account,provider,currency}",
      "captcha_runway_seconds gauge {account,provider}",
      "captcha_runway_lower_bound_seconds gauge {account,provider}",
      "captcha_runway_exhaustion_timestamp_seconds gauge {account,provider}",
      "captcha_solves_remaining gauge {account,provider,captcha_type}",
      "captcha_up gauge {account,provider}",
      "captcha_last_success_timestamp_seconds gauge {account,provider}",
      "captcha_check_duration_seconds gauge {account,provider}",
      "captcha_check_errors_total counter {account,provider,reason}",
      "captcha_poll_interval_seconds gauge {account,provider}",
      "captcha_exporter_build_info gauge {version,revision,nodejs}",
      "captcha_exporter_shard_ordinal gauge {}",
      "captcha_exporter_total_shards gauge {}",
    ]);
  });

  it("follow the Prometheus naming rules their units imply", () => {
    expect(new Set(DECLARED.map((d) => d.name)).size).toBe(DECLARED.length);
    for (const d of DECLARED) {
      expect(d.name).toMatch(/^captcha_[a-z_]+$/);
      expect(d.help.length, d.name).toBeGreaterThan(20);
      expect(d.name.endsWith("_total"), d.name).toBe(d.type === "counter");
      if (d.unit === "seconds" || d.unit === "timestamp_seconds") expect(d.name, d.name).toMatch(/_seconds$/);
      if (d.unit === "timestamp_seconds") expect(d.name, d.name).toMatch(/_timestamp_seconds$/);
      if (d.unit === "currency" || d.unit === "currency_per_second") expect(d.labels, d.name).toContain("currency");
      if (d.unit === "info") expect(d.name, d.name).toMatch(/_info$/);
    }
    const errors = ACCOUNT_METRICS.find((d) => d.name === "captcha_check_errors_total")!;
    for (const reason of FAILURE_REASONS) expect(errors.help).toContain(reason);
  });

  it("cover every metric the shipped dashboards, rules and manifests use", () => {
    const files = (dir: string): string[] =>
      readdirSync(join(root, dir)).flatMap((f) => (statSync(join(root, dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
    const declared = new Set(DECLARED.map((d) => d.name));
    const labels = new Set(DECLARED.flatMap((d) => d.labels));
    const used = new Set<string>();
    for (const f of [...files("grafana"), ...files("deploy"), ...files("test/rules")].filter((f) => /\.(ya?ml|json)$/.test(f))) {
      // recording rules (account:captcha_spent:rate1h) and labels (captcha_type) are not metric names
      for (const m of readFileSync(join(root, f), "utf8").matchAll(/(?<![\w:])captcha_[a-z_]+(?![\w:])/g)) if (!labels.has(m[0])) used.add(m[0]);
    }
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((name) => !declared.has(name))).toEqual([]);
  });
});

describe("the documentation", () => {
  it("docs/exporter.md's metrics table lists exactly the declared metrics, with their labels and types", () => {
    const doc = readFileSync(join(root, "docs", "exporter.md"), "utf8");
    const rows = [...doc.matchAll(/^\| `(captcha_[a-z_]+)(?:\{([a-z_,]*)\})?` \| (\w+) \|/gm)].map((m) => `${m[1]} ${m[3]} {${m[2] ?? ""}}`);
    expect(rows).toEqual(DECLARED.map((d) => `${d.name} ${d.type} {${d.labels.join(",")}}`));
  });
});

describe("plainAmount", () => {
  it("writes an amount to the micro-unit, as a plain decimal", () => {
    expect(plainAmount(0.8592000000000013)).toBe("0.8592");
    expect(plainAmount(0.5009999999999977)).toBe("0.501");
    expect(plainAmount(24.4826)).toBe("24.4826");
    expect(plainAmount(0)).toBe("0");
    expect(plainAmount(-0)).toBe("0");
    expect(plainAmount(-3.1)).toBe("-3.1");
    expect(plainAmount(0.0000001)).toBe("0");
    expect(plainAmount(0.000_001)).toBe("0.000001");
    expect(plainAmount(123_456_789.123456)).toBe("123456789.123456");
    expect(plainAmount(1e12)).toBe("1000000000000");
  });

  it("reads back as the amount rounded to the micro-unit", () => {
    for (let i = 0; i < 2000; i++) {
      const micros = Math.floor(Math.random() * 2e12) - 1e12;
      const amount = micros / 1e6;
      const noisy = amount + (Math.random() - 0.5) * 1e-9;
      const text = plainAmount(noisy);
      expect(text).toMatch(/^-?\d+(\.\d{1,6})?$/);
      expect(Number(text)).toBe(amount);
    }
  });
});
