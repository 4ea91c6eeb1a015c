/**
 * The exporter against the real simulator over loopback: values appear and move, every fault leaves
 * the last good values with captcha_up 0 and the right reason counted, scrapes never reach the
 * provider, the key is never shown, OpenMetrics is negotiated, promtool is satisfied.
 */
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fault, startSimulator } from "../../simulator/index.ts";
import { FAILURE_REASONS, type FailureReason } from "../../core/reasons.ts";
import { eventually, type Harness, newKey, sample, scrape, startHarness } from "./exporter-harness.ts";

describe("exporter: values from the simulator", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ accounts: [{ name: "main", balance: 20 }], intervalMs: 100 });
    await h.exporter.whenReady();
  });
  afterAll(() => h.close());

  it("exposes the balance, counters pre-initialised per reason, and build info", async () => {
    const { status, contentType, body } = await scrape(h.exporter.metricsUrl);
    expect(status).toBe(200);
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const l = { account: "main", provider: "captchaai" };
    expect(sample(body, "captcha_balance", { ...l, currency: "USD" })).toBe(20);
    expect(sample(body, "captcha_up", l)).toBe(1);
    for (const reason of FAILURE_REASONS) expect(sample(body, "captcha_check_errors_total", { ...l, reason })).toBe(0);
    expect(sample(body, "captcha_solves_remaining", { ...l, captcha_type: "recaptcha_v2" })).toBe(Math.floor(20 / 0.003));
    expect(sample(body, "captcha_exporter_build_info")).toBe(1);
    expect(sample(body, "captcha_last_success_timestamp_seconds", l)).toBeGreaterThan(1.7e9);
    // no spend seen yet: the runway is absent (documented), not 0 and not +Inf
    expect(sample(body, "captcha_runway_seconds", l)).toBeUndefined();
    expect(sample(body, "captcha_runway_lower_bound_seconds", l)).toBeUndefined();
    expect(sample(body, "captcha_runway_exhaustion_timestamp_seconds", l)).toBeUndefined();
    expect(body).toMatch(/# HELP captcha_balance .*Cached/);
    expect(body).toMatch(/^# HELP captcha_runway_lower_bound_seconds Pessimistic runway in seconds: .*90 % probability/m);
    expect(body).toMatch(/^# TYPE captcha_runway_lower_bound_seconds gauge$/m);
    expect(body).toMatch(/^# TYPE captcha_runway_exhaustion_timestamp_seconds gauge$/m);
  });

  it("follows spend and deposits: balance falls, spent/deposited counters grow, a runway appears", async () => {
    const key = h.keys[0]!;
    const l = { account: "main", provider: "captchaai", currency: "USD" };
    h.sim.setBalance(key, 19);
    await eventually(async () => sample((await scrape(h.exporter.metricsUrl)).body, "captcha_balance", l) === 19, "balance 19");
    h.sim.setBalance(key, 18.5);
    const body = await eventually(async () => {
      const b = (await scrape(h.exporter.metricsUrl)).body;
      return sample(b, "captcha_balance", l) === 18.5 ? b : null;
    }, "balance 18.5");
    expect(sample(body, "captcha_spent_total", l)).toBeCloseTo(1.5, 6);
    // a runway, its pessimistic bound (never above it) and the predicted exhaustion time: the last
    // check's time plus the runway
    const acct = { account: "main", provider: "captchaai" };
    const runway = sample(body, "captcha_runway_seconds", acct)!;
    expect(runway).toBeGreaterThan(0);
    const low = sample(body, "captcha_runway_lower_bound_seconds", acct)!;
    expect(low).toBeGreaterThan(0);
    expect(low).toBeLessThanOrEqual(runway);
    const lastSuccess = sample(body, "captcha_last_success_timestamp_seconds", acct)!;
    expect(sample(body, "captcha_runway_exhaustion_timestamp_seconds", acct)).toBeCloseTo(lastSuccess + runway, 0);
    h.sim.deposit(key, 10);
    const after = await eventually(async () => {
      const b = (await scrape(h.exporter.metricsUrl)).body;
      return sample(b, "captcha_balance", l) === 28.5 ? b : null;
    }, "deposit seen");
    expect(sample(after, "captcha_deposited_total", l)).toBeCloseTo(10, 6);
    expect(sample(after, "captcha_spent_total", l)).toBeCloseTo(1.5, 6);
  });

  it("serves OpenMetrics when asked, and the text format stays intact afterwards", async () => {
    const om = await scrape(h.exporter.metricsUrl, {
      headers: { accept: "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1" },
    });
    expect(om.contentType).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
    expect(om.body.endsWith("# EOF\n")).toBe(true);
    expect(om.body).toMatch(/^# TYPE captcha_spent counter$/m);
    expect(om.body).toMatch(/^captcha_spent_total\{/m);
    expect(om.body).toMatch(/^captcha_check_errors_total\{.*reason="auth"\} 0$/m);
    // prom-client renames counters in place for OpenMetrics; the text registry must not be affected
    const text = await scrape(h.exporter.metricsUrl, { headers: { accept: "text/plain" } });
    expect(text.contentType).toMatch(/^text\/plain/);
    expect(text.body).toMatch(/^# TYPE captcha_spent_total counter$/m);
    expect(text.body).toMatch(/^captcha_spent_total\{/m);
    expect(text.body).not.toContain("# EOF");
  });

  it("answers health and readiness probes", async () => {
    expect((await scrape(`${h.exporter.url}/-/healthy`)).status).toBe(200);
    expect((await scrape(`${h.exporter.url}/-/ready`)).status).toBe(200);
    expect((await scrape(`${h.exporter.url}/nope`)).status).toBe(404);
  });
});

describe("exporter: the account's configured currency labels its money", () => {
  it("uses the account's currency, not the provider's default", async () => {
    const h = await startHarness({ accounts: [{ name: "ru", balance: 1500.5, currency: "RUB" }], intervalMs: 100 });
    try {
      await h.exporter.whenReady();
      const { body } = await scrape(h.exporter.metricsUrl);
      expect(sample(body, "captcha_balance", { account: "ru", provider: "captchaai", currency: "RUB" })).toBe(1500.5);
      expect(body).not.toMatch(/captcha_balance\{[^}]*currency="USD"/);
    } finally {
      await h.close();
    }
  });

  it("labels the money counters with it before the first check has answered", async () => {
    const key = newKey();
    const sim = await startSimulator({ port: 0, accounts: [{ key, id: "ru", balance: 1500.5, currency: "RUB" }] });
    sim.injectFault({ kind: "hang" });
    const h = await startHarness({ sim, accounts: [{ key, name: "ru", balance: 1500.5, currency: "RUB" }], intervalMs: 60_000, requestTimeoutMs: 30_000 });
    try {
      const { body } = await scrape(h.exporter.metricsUrl);
      expect(sample(body, "captcha_spent_total", { account: "ru", provider: "captchaai", currency: "RUB" })).toBe(0);
      expect(body).not.toMatch(/currency="USD"/);
      expect(body).not.toMatch(/^captcha_(balance|up)\{/m);
    } finally {
      sim.clearFaults();
      await h.close();
      await sim.close();
    }
  });
});

describe("exporter: faults keep the last good values and count the reason", () => {
  // One account per fault, so cool-downs of one case (a ban waits minutes) do not hold up the others.
  const cases: { name: string; fault: Fault; reason: FailureReason }[] = [
    { name: "auth", fault: { kind: "error", code: "ERROR_KEY_DOES_NOT_EXIST" }, reason: "auth" },
    { name: "wrong-key", fault: { kind: "error", code: "ERROR_WRONG_USER_KEY" }, reason: "auth" },
    { name: "zero-balance", fault: { kind: "error", code: "ERROR_ZERO_BALANCE" }, reason: "no_funds" },
    { name: "ip-banned", fault: { kind: "error", code: "IP_BANNED" }, reason: "banned" },
    { name: "too-many", fault: { kind: "error", code: "ERROR_TOO_MUCH_REQUESTS" }, reason: "rate_limited" },
    { name: "quota-1005", fault: { kind: "error", code: "ERROR: 1005" }, reason: "rate_limited" },
    { name: "server-error", fault: { kind: "error", code: "ERROR_SERVER_ERROR" }, reason: "upstream" },
    { name: "http-429", fault: { kind: "rate-limit", retryAfterSeconds: 1 }, reason: "rate_limited" },
    { name: "html-502", fault: { kind: "html" }, reason: "upstream" },
    { name: "garbage", fault: { kind: "garbage" }, reason: "malformed" },
    { name: "empty", fault: { kind: "empty" }, reason: "malformed" },
    { name: "non-numeric", fault: { kind: "non-numeric" }, reason: "malformed" },
    { name: "truncated", fault: { kind: "truncated" }, reason: "malformed" },
    { name: "truncated-mid-stream", fault: { kind: "truncated", midStream: true }, reason: "malformed" },
    { name: "drop", fault: { kind: "drop" }, reason: "network" },
    { name: "hang", fault: { kind: "hang" }, reason: "timeout" },
    { name: "slow", fault: { kind: "latency", ms: 5_000 }, reason: "timeout" },
  ];
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ accounts: cases.map((c, i) => ({ name: c.name, balance: 10 + i })), intervalMs: 150, requestTimeoutMs: 400 });
    await h.exporter.whenReady();
    for (const [i, c] of cases.entries()) h.sim.injectFault(c.fault, { key: h.keys[i]! });
  });
  afterAll(() => h.close());

  it.each(cases.map((c, i) => [c.name, c.reason, i] as const))("%s → captcha_up 0, reason %s, last balance kept", async (name, reason, i) => {
    const l = { account: name, provider: "captchaai" };
    const body = await eventually(async () => {
      const b = (await scrape(h.exporter.metricsUrl)).body;
      return sample(b, "captcha_up", l) === 0 && (sample(b, "captcha_check_errors_total", { ...l, reason }) ?? 0) >= 1 ? b : null;
    }, `${name} counted as ${reason}`);
    expect(sample(body, "captcha_balance", { ...l, currency: "USD" })).toBe(10 + i);
    for (const other of FAILURE_REASONS.filter((r) => r !== reason)) {
      expect(sample(body, "captcha_check_errors_total", { ...l, reason: other }), `${name}: ${other}`).toBe(0);
    }
  });

  it("keeps serving and recovers when the faults are cleared; logs never contain a key", async () => {
    h.sim.clearFaults();
    // transient reasons recover within the (shortened) back-off; auth/no_funds/banned wait for their cool-down
    const transient = cases.map((c, i) => ({ ...c, i })).filter((c) => !["auth", "no_funds", "banned"].includes(c.reason));
    await eventually(async () => {
      const b = (await scrape(h.exporter.metricsUrl)).body;
      return transient.every((c) => sample(b, "captcha_up", { account: c.name, provider: "captchaai" }) === 1);
    }, "recovery of transient failures");
    const all = h.logs.join("");
    expect(all).toContain('msg="balance check failed"');
    for (const k of h.keys) expect(all).not.toContain(k);
  });
});

describe("exporter: scrapes never reach the provider", () => {
  let h: Harness;
  beforeAll(async () => {
    // one check at start-up, the next one a minute later: every scrape in between must be served from cache
    h = await startHarness({ accounts: [{ name: "a", balance: 5 }, { name: "b", balance: 6 }], intervalMs: 60_000 });
    await h.exporter.whenReady();
  });
  afterAll(() => h.close());

  it("makes exactly one upstream call per account per interval under 1,000 concurrent scrapes", async () => {
    expect(h.sim.requestCount(h.keys[0]!)).toBe(1);
    for (let round = 0; round < 5; round++) {
      const results = await Promise.all(Array.from({ length: 200 }, () => scrape(h.exporter.metricsUrl)));
      expect(results.every((r) => r.status === 200)).toBe(true);
    }
    expect(h.sim.requestCount(h.keys[0]!)).toBe(1);
    expect(h.sim.requestCount(h.keys[1]!)).toBe(1);
  });

  it("answers from cache while the provider hangs", async () => {
    h.sim.injectFault({ kind: "hang" });
    const r = await scrape(h.exporter.metricsUrl);
    expect(r.status).toBe(200);
    expect(sample(r.body, "captcha_balance", { account: "a", provider: "captchaai", currency: "USD" })).toBe(5);
    h.sim.clearFaults();
  });
});

describe("exporter: the key never leaks", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ accounts: [{ name: "ok", balance: 3 }, { name: "rejected", balance: 4 }], intervalMs: 100 });
    await h.exporter.whenReady();
    h.sim.injectFault({ kind: "error", code: "ERROR_KEY_DOES_NOT_EXIST" }, { key: h.keys[1]! });
    h.sim.injectFault({ kind: "garbage" }, { key: h.keys[0]!, times: 2 });
  });
  afterAll(() => h.close());

  it("is absent from metrics (both formats), the landing page and the logs", async () => {
    await eventually(async () => sample((await scrape(h.exporter.metricsUrl)).body, "captcha_up", { account: "rejected", provider: "captchaai" }) === 0, "auth failure");
    const pages = [
      (await scrape(h.exporter.metricsUrl)).body,
      (await scrape(h.exporter.metricsUrl, { headers: { accept: "application/openmetrics-text" } })).body,
      (await scrape(`${h.exporter.url}/`)).body,
    ];
    for (const k of h.keys) {
      for (const p of pages) expect(p).not.toContain(k);
      expect(h.logs.join("")).not.toContain(k);
    }
    expect(pages[2]).toContain("auth");
  });
});

describe("exporter: promtool check metrics", () => {
  const promtool = spawnSync("promtool", ["--version"], { encoding: "utf8" });
  const missing = promtool.error !== undefined;
  if (missing) console.warn("SKIPPED: promtool is not installed (apt-get install prometheus); CI installs it");

  let h: Harness;
  beforeAll(async () => {
    if (missing) return;
    h = await startHarness({ accounts: [{ name: "promtool", balance: 9 }], intervalMs: 100, defaultMetrics: true });
    await h.exporter.whenReady();
    h.sim.setBalance(h.keys[0]!, 8);
    await eventually(async () => sample((await scrape(h.exporter.metricsUrl)).body, "captcha_runway_seconds", { account: "promtool" }) !== undefined, "a runway");
  });
  afterAll(() => h?.close());

  it.runIf(missing)("needs promtool", () => {
    expect.fail("promtool is not installed: apt-get install -y prometheus (.ci/run installs it)");
  });

  it.skipIf(missing)("finds nothing to complain about in real output, process metrics included", async () => {
    const { body } = await scrape(h.exporter.metricsUrl);
    expect(body).toContain("process_resident_memory_bytes");
    const r = spawnSync("promtool", ["check", "metrics"], { input: body, encoding: "utf8" });
    expect(`${r.stdout}${r.stderr}`.trim()).toBe("");
    expect(r.status).toBe(0);
  });
});
