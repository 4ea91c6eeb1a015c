/** Pure parts of the exporter: flags, scheduling, content negotiation, formatting, escaping, logging, state documents. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveAccounts } from "../../exporter/accounts.ts";
import { clampDelayMs, MAX_DELAY_MS, RETRY_AFTER_CEILING_MS, TIMER_LIMIT_MS } from "../../core/delays.ts";
import { InputError } from "../../core/errors.ts";
import { RETRY_POLICY } from "../../core/reasons.ts";
import { resolveExporterOptions, parseListenAddress, DEFAULT_STATE_FILE } from "../../exporter/flags.ts";
import { balanceChart, escapeHtml, formatDuration, renderLanding } from "../../exporter/landing.ts";
import { createLogger } from "../../exporter/logger.ts";
import { type AccountStatus, uncheckedStatus } from "../../exporter/poller.ts";
import { firstCheckDelayMs, nextCheckDelayMs, type ScheduleParams } from "../../core/schedule.ts";
import { wantsOpenMetrics } from "../../exporter/server.ts";
import { validateStateDocument } from "../../exporter/state-file.ts";
import { parseWebConfig } from "../../exporter/web-config.ts";
import { runExporterCommand } from "../../exporter/main.ts";

const MIN = 60_000;

describe("flags", () => {
  it("parses listen addresses in the Prometheus style", () => {
    expect(parseListenAddress(":9877")).toEqual({ host: undefined, port: 9877 });
    expect(parseListenAddress("127.0.0.1:0")).toEqual({ host: "127.0.0.1", port: 0 });
    expect(parseListenAddress("[::1]:9877")).toEqual({ host: "::1", port: 9877 });
    expect(() => parseListenAddress("9877")).toThrow(/expected \[host\]:port/);
    expect(() => parseListenAddress(":99999")).toThrow(/between 0 and 65535/);
  });

  it("needs exactly one source of accounts, and never falls back to the demo", () => {
    expect(() => resolveExporterOptions({})).toThrow(/no account to watch.*--demo/);
    expect(() => resolveExporterOptions({ demo: true, provider: "captchaai" })).toThrow(/choose one source/);
    expect(() => resolveExporterOptions({ "config.file": "a.yml", provider: "captchaai" })).toThrow(/choose one source/);
    expect(() => resolveExporterOptions({ "api-url": "http://127.0.0.1:1" })).toThrow(/--provider is required/);
    expect(() => resolveExporterOptions({ provider: "nope" })).toThrow(/--provider: expected one of .*captchaai/);
  });

  it("has documented defaults; the demo writes no state file unless asked", () => {
    const o = resolveExporterOptions({ provider: "anti-captcha" });
    expect(o.listen).toEqual({ host: undefined, port: 9877 });
    expect(o.telemetryPath).toBe("/metrics");
    expect(o.stateFile).toBe(DEFAULT_STATE_FILE);
    expect(o.logFormat).toBe("logfmt");
    expect(resolveExporterOptions({ demo: true }).stateFile).toBeNull();
    expect(resolveExporterOptions({ demo: true, "state.file": "x.json" }).stateFile).toBe("x.json");
    expect(resolveExporterOptions({ provider: "capsolver", "state.file": "" }).stateFile).toBeNull();
  });

  it("refuses bad values with the flag's name", () => {
    expect(() => resolveExporterOptions({ provider: "captchaai", "log.level": "loud" })).toThrow(/--log.level: expected one of debug/);
    expect(() => resolveExporterOptions({ provider: "captchaai", "web.telemetry-path": "metrics" })).toThrow(/--web.telemetry-path/);
    expect(() => resolveExporterOptions({ provider: "captchaai", "web.telemetry-path": "/" })).toThrow(/landing page/);
    expect(() => resolveExporterOptions({ provider: "captchaai", "poll.interval": "soon" })).toThrow(/--poll.interval/);
    expect(() => resolveExporterOptions({ provider: "captchaai", "state.write-interval": "x" })).toThrow(/--state.write-interval/);
    expect(() => resolveExporterOptions({ "config.file": "a.yml", "poll.interval": "5m" })).toThrow(/per account in the file/);
  });

  it("the command exits 2 with one clear line for bad input, before listening or calling anything", async () => {
    const run = async (raw: Parameters<typeof runExporterCommand>[0], env: NodeJS.ProcessEnv = {}) => {
      const errors: string[] = [];
      const code = await runExporterCommand(raw, { env, errorOut: (l) => errors.push(l), logWrite: () => {}, stopSignal: new Promise(() => {}) });
      return { code, err: errors.join("") };
    };
    expect(await run({})).toMatchObject({ code: 2, err: expect.stringMatching(/^captcha-runway exporter: no account to watch/) });
    expect(await run({ provider: "captchaai", "web.listen-address": "127.0.0.1:0" })).toMatchObject({ code: 2, err: expect.stringMatching(/CAPTCHA_API_KEY/) });
    const short = await run({ provider: "anti-captcha", "poll.interval": "10s", "web.listen-address": "127.0.0.1:0", "state.file": "" }, { CAPTCHA_API_KEY: "k".repeat(32) });
    expect(short.code).toBe(2);
    expect(short.err).toMatch(/poll interval 10 s is shorter than anti-captcha allows.*at least 30 s/);
    expect(short.err).not.toContain("k".repeat(32));
  });
});

describe("schedule", () => {
  const p: ScheduleParams = { intervalMs: 5 * MIN, minIntervalMs: 2 * MIN, banCooldownMs: 10 * MIN, policy: RETRY_POLICY };

  it("polls every interval plus at most 5 % jitter, never earlier", () => {
    expect(nextCheckDelayMs({ ok: true }, p, 0)).toBe(5 * MIN);
    expect(nextCheckDelayMs({ ok: true }, p, 0.999)).toBeLessThan(5.25 * MIN);
  });

  it("backs off transient failures exponentially, capped at the interval, never under the provider minimum", () => {
    const fast = { ...p, minIntervalMs: 0 };
    const d = [1, 2, 3, 10].map((n) => nextCheckDelayMs({ ok: false, reason: "network", consecutiveFailures: n }, fast, 0));
    expect(d).toEqual([5000, 10_000, 20_000, 5 * MIN]);
    expect(nextCheckDelayMs({ ok: false, reason: "network", consecutiveFailures: 1 }, p, 0)).toBe(2 * MIN);
    // an untrusted certificate or refused proxy credentials (transient: false): a whole interval, no quick retries
    const untrusted = [1, 2, 3].map((n) => nextCheckDelayMs({ ok: false, reason: "network", consecutiveFailures: n, transient: false }, fast, 0));
    expect(untrusted).toEqual([fast.intervalMs, fast.intervalMs, fast.intervalMs]);
    expect(nextCheckDelayMs({ ok: false, reason: "rate_limited", consecutiveFailures: 1, retryAfterMs: 7 * MIN }, p, 0)).toBe(7 * MIN);
  });

  it("waits out bans and auth failures: cool-down, never sooner than the interval; auth doubles up to 4×", () => {
    expect(nextCheckDelayMs({ ok: false, reason: "banned", consecutiveFailures: 1 }, { ...p, banCooldownMs: 30 * MIN }, 0)).toBe(30 * MIN);
    const auth = [1, 2, 3, 4].map((n) => nextCheckDelayMs({ ok: false, reason: "auth", consecutiveFailures: n }, p, 0));
    expect(auth).toEqual([15 * MIN, 30 * MIN, 60 * MIN, 60 * MIN]);
    expect(nextCheckDelayMs({ ok: false, reason: "no_funds", consecutiveFailures: 1 }, { ...p, intervalMs: 20 * MIN }, 0)).toBe(20 * MIN);
  });

  it("spreads first checks and keeps the minimum interval across a restart", () => {
    expect(firstCheckDelayMs(p, 0.5)).toBe(1000);
    expect(firstCheckDelayMs(p, 0, 30_000)).toBe(90_000);
    expect(firstCheckDelayMs(p, 0, 10 * MIN)).toBe(0);
    // a last attempt "in the future" (the clock went back): as if just now, not a week or 1 ms
    expect(firstCheckDelayMs(p, 0, -400 * 86_400_000)).toBe(2 * MIN);
  });

  it("never returns a delay a timer cannot hold: huge inputs are clamped, a huge Retry-After waits the ceiling", () => {
    const huge = { ...p, intervalMs: 30 * 86_400_000 };
    expect(nextCheckDelayMs({ ok: true }, huge, 0.5)).toBe(MAX_DELAY_MS);
    expect(nextCheckDelayMs({ ok: false, reason: "auth", consecutiveFailures: 9 }, huge, 0.9)).toBe(MAX_DELAY_MS);
    for (const retryAfterMs of [365 * 86_400_000, Number.POSITIVE_INFINITY, Number.NaN]) {
      expect(nextCheckDelayMs({ ok: false, reason: "rate_limited", consecutiveFailures: 1, retryAfterMs }, p, 0)).toBe(RETRY_AFTER_CEILING_MS);
    }
    expect(MAX_DELAY_MS).toBeLessThan(TIMER_LIMIT_MS);
    expect([clampDelayMs(-5), clampDelayMs(Number.NaN), clampDelayMs(2 ** 40), clampDelayMs(1.4)]).toEqual([0, MAX_DELAY_MS, MAX_DELAY_MS, 1]);
  });

  it("refuses poll and state-write intervals above their maximum, naming the flag and the limit", () => {
    expect(() => resolveExporterOptions({ provider: "captchaai", "poll.interval": "25d" })).toThrow(
      "--poll.interval: 25d is longer than the maximum of 1d",
    );
    expect(() => resolveExporterOptions({ provider: "captchaai", "poll.interval": "1d1ms" })).toThrow(/maximum of 1d/);
    expect(resolveExporterOptions({ provider: "captchaai", "poll.interval": "1d" }).accounts).toMatchObject({ pollInterval: "1d" });
    expect(() => resolveExporterOptions({ provider: "captchaai", "state.write-interval": "2h" })).toThrow(
      "--state.write-interval: 2h is longer than the maximum of 1h",
    );
    expect(() => resolveExporterOptions({ provider: "captchaai", "poll.interval": "9".repeat(400) })).toThrow(/maximum of 1d/);
  });
});

describe("content negotiation", () => {
  it("serves OpenMetrics only when the scraper prefers it", () => {
    expect(wantsOpenMetrics(undefined)).toBe(false);
    expect(wantsOpenMetrics("text/plain")).toBe(false);
    expect(wantsOpenMetrics("*/*")).toBe(false);
    expect(wantsOpenMetrics("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")).toBe(true);
    expect(wantsOpenMetrics("text/plain;version=0.0.4;q=1,application/openmetrics-text;q=0.5")).toBe(false);
    expect(wantsOpenMetrics("application/openmetrics-text;q=0")).toBe(false);
  });
});

function status(over: Partial<AccountStatus> = {}): AccountStatus {
  return {
    ...uncheckedStatus({
      labels: { account: "main", provider: "2captcha" },
      intervalMs: 5 * MIN,
      prices: {},
      currency: "USD",
      estimate: { runwaySeconds: 3 * 86_400 + 4 * 3600, runwayLowerBoundSeconds: 2 * 86_400, spendRatePerSecond: 0.0001, trendPerDay: 0, spentTotal: 1, depositedTotal: 0 },
    }),
    balance: 12.5,
    valuesCurrent: true,
    checks: 3,
    lastAttemptAtMs: 1_000_000,
    lastSuccessAtMs: 1_000_000,
    lastCheckDurationSeconds: 0.2,
    up: true,
    ...over,
  };
}

describe("landing page", () => {
  it("formats durations for humans", () => {
    expect(formatDuration(3 * 86_400 + 4 * 3600 + 59)).toBe("3 d 4 h");
    expect(formatDuration(5 * 3600 + 12 * 60)).toBe("5 h 12 min");
    expect(formatDuration(42)).toBe("42 s");
    expect(formatDuration(200 * 86_400)).toBe("200 d");
  });

  it("escapes every value it shows", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    const html = renderLanding({
      accounts: [
        status({
          labels: { account: "<script>alert(1)</script>", provider: "2captcha" },
          lastError: { reason: "upstream", message: `"><img src=x onerror=alert(2)>`, atMs: 1_000_000 },
        }),
      ],
      telemetryPath: "/metrics",
      version: "1.0.0",
      nowMs: 1_060_000,
      demo: false,
    });
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;script&gt;");
    // the runway was 3 d 4 h at the last check, a minute ago
    expect(html).toContain("3 d 3 h");
    expect(html).toContain('href="/metrics"');
  });

  it("counts the runway from now and says when it runs out, with the pessimistic runway", () => {
    const checkedAt = Date.UTC(2026, 11, 1, 21, 0, 0);
    const render = (nowMs: number, over: Partial<AccountStatus> = {}) =>
      renderLanding({
        accounts: [status({ lastSuccessAtMs: checkedAt, lastAttemptAtMs: checkedAt, ...over })],
        telemetryPath: "/metrics",
        version: "1.0.0",
        nowMs,
        demo: false,
      });
    // runway 3 d 4 h as of 21:00 UTC, two hours ago: 3 d 2 h left, out around 5 December 01:00 UTC
    const html = render(checkedAt + 2 * 3600_000);
    expect(html).toContain(">3 d 2 h<");
    expect(html).toContain("runs out around");
    expect(html).toContain('datetime="2026-12-05T01:00:00.000Z"');
    expect(html).toContain("2026-12-05 01:00 UTC");
    expect(html).toContain("at worst 1 d 22 h (1 in 10)");
    // a check so old that the predicted time has passed
    const late = render(checkedAt + 4 * 86_400_000);
    expect(late).toContain("may have run out around");
    expect(late).toContain(">0 s<");
    // no spend yet: neither a time nor a bound
    const idle = render(checkedAt, {
      estimate: { runwaySeconds: null, runwayLowerBoundSeconds: null, spendRatePerSecond: null, trendPerDay: 0, spentTotal: 0, depositedTotal: 0 },
    });
    expect(idle).toContain("no spend yet");
    expect(idle).not.toContain("runs out around");
  });

  it("draws a bounded inline SVG chart, or says it is collecting", () => {
    expect(balanceChart([], "USD")).toContain("no balance yet");
    expect(balanceChart([{ t: 1000, balance: 3 }], "USD")).toContain("collecting history");
    const svg = balanceChart(
      Array.from({ length: 50 }, (_, i) => ({ t: 1000 + i * 60, balance: 20 - i * 0.1 })),
      "USD",
    );
    expect(svg).toMatch(/^<svg [^>]*viewBox="0 0 320 84"/);
    expect(svg).toContain("<polyline");
    expect(svg).not.toMatch(/NaN|Infinity/);
  });
});

describe("logger", () => {
  it("writes one logfmt or JSON line per event and redacts registered secrets", () => {
    const lines: string[] = [];
    const log = createLogger({ level: "info", format: "logfmt", write: (l) => lines.push(l), now: () => new Date(0) });
    log.addSecret("0123456789abcdef");
    log.debug("hidden");
    log.warn("balance check failed", { account: "a b", err: "bad key 0123456789abcdef" });
    expect(lines).toEqual(['ts=1970-01-01T00:00:00.000Z level=warn msg="balance check failed" account="a b" err="bad key [REDACTED]"\n']);
    const json: string[] = [];
    const jl = createLogger({ level: "debug", format: "json", write: (l) => json.push(l) });
    jl.addSecret("0123456789abcdef");
    jl.error("x", { err: "0123456789abcdef", n: 3 });
    const parsed = JSON.parse(json[0]!);
    expect(parsed).toMatchObject({ level: "error", msg: "x", err: "[REDACTED]", n: 3 });
  });
});

describe("state documents and web config", () => {
  it("accepts only our own state format", () => {
    expect(validateStateDocument([])).toMatch(/not a JSON object/);
    expect(validateStateDocument({ format: "other" })).toMatch(/not a captcha-runway exporter state file/);
    expect(validateStateDocument({ format: "captcha-runway/exporter-state", version: 1, accounts: [{ account: "a" }] })).toMatch(/accounts\[0\]/);
    expect(validateStateDocument({ format: "captcha-runway/exporter-state", version: 1, accounts: [] })).toBeNull();
  });

  it("parses the exporter-toolkit subset and refuses the rest", () => {
    const ok = parseWebConfig("tls_server_config:\n  cert_file: c.pem\n  key_file: /k.pem\nhttp_server_config:\n  headers:\n    x-frame-options: deny\n", "/etc/web.yml");
    expect(ok.tls).toEqual({ certFile: "/etc/c.pem", keyFile: "/k.pem", minVersion: "TLSv1.2" });
    expect(ok.headers).toEqual({ "X-Frame-Options": "deny" });
    expect(parseWebConfig("", "w.yml").basicAuthUsers.size).toBe(0);
    expect(() => parseWebConfig("basic_auth_users:\n  a: plain\n", "w.yml")).toThrow(InputError);
    expect(() => parseWebConfig("tls_server_config:\n  cert_file: c.pem\n", "w.yml")).toThrow(/needs both cert_file and key_file/);
    expect(() => parseWebConfig("what: 1\n", "w.yml")).toThrow(/unknown key 'what'/);
  });
});

describe("accounts", () => {
  it("labels money with the account's configured currency (RuCaptcha reports its own, the protocol never says)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cr-accounts-"));
    const file = join(dir, "accounts.yml");
    writeFileSync(file, "accounts:\n  - name: ru\n    provider: rucaptcha\n    api_key_env: RU_KEY\n    currency: usd\n  - name: ru2\n    provider: rucaptcha\n    api_key_env: RU_KEY\n");
    const [usd, rub] = await resolveAccounts({ kind: "config-file", path: file }, { RU_KEY: "k".repeat(32) });
    expect(usd!.currency).toBe("USD");
    expect(rub!.currency).toBe("RUB");
  });
});
