import { describe, expect, it } from "vitest";
import { backoffDelay, readBalance } from "../../core/balance.ts";
import type { BalanceResult, Provider } from "../../core/providers/types.ts";

function scripted(results: BalanceResult[]): Provider & { calls: number } {
  const p = {
    name: "captchaai" as const,
    defaultBaseUrl: "http://127.0.0.1:9",
    defaultCurrency: "USD",
    minPollIntervalMs: 1,
    defaultPollIntervalMs: 1,
    banCooldownMs: 1,
    calls: 0,
    async getBalance(): Promise<BalanceResult> {
      const r = results[Math.min(p.calls, results.length - 1)]!;
      p.calls++;
      return r;
    },
  };
  return p;
}

function clock() {
  let t = 0;
  return { now: () => t, sleep: async (ms: number) => {
      t += ms;
    }, slept: () => t };
}

const ok: BalanceResult = { ok: true, balance: 5, currency: "USD" };
const fail = (reason: "auth" | "upstream" | "banned" | "no_funds" | "timeout", retryAfterMs?: number): BalanceResult => ({
  ok: false,
  reason,
  message: reason,
  ...(retryAfterMs ? { retryAfterMs } : {}),
});

describe("readBalance", () => {
  it("retries transient failures and succeeds", async () => {
    const p = scripted([fail("upstream"), fail("timeout"), ok]);
    const c = clock();
    const r = await readBalance(p, { apiKey: "k" }, { retries: 3, deadlineMs: 60_000, now: c.now, sleep: c.sleep, random: () => 0.5 });
    expect(r).toMatchObject({ ok: true, balance: 5, attempts: 3 });
    expect(c.slept()).toBe(backoffDelay(1, 1000, () => 0.5) + backoffDelay(2, 1000, () => 0.5));
  });
  it.each(["auth", "no_funds", "banned"] as const)("never retries %s", async (reason) => {
    const p = scripted([fail(reason), ok]);
    const r = await readBalance(p, { apiKey: "k" }, { retries: 5, deadlineMs: 60_000, ...clock() });
    expect(r).toMatchObject({ ok: false, reason, attempts: 1 });
    expect(p.calls).toBe(1);
  });
  it("stops after the allowed retries", async () => {
    const p = scripted([fail("upstream")]);
    const r = await readBalance(p, { apiKey: "k" }, { retries: 2, deadlineMs: 600_000, ...clock() });
    expect(r).toMatchObject({ ok: false, reason: "upstream", attempts: 3 });
  });
  it("does not wait past the deadline", async () => {
    const p = scripted([fail("upstream", 30_000)]);
    const c = clock();
    const r = await readBalance(p, { apiKey: "k" }, { retries: 5, deadlineMs: 10_000, now: c.now, sleep: c.sleep });
    expect(r).toMatchObject({ ok: false, attempts: 1 });
    expect(c.slept()).toBe(0);
  });
  it("a Retry-After of a year (or more than a double holds) is over any deadline: no wait, one call", async () => {
    for (const after of [365 * 86_400_000, Number.POSITIVE_INFINITY]) {
      const p = scripted([fail("upstream", after)]);
      const c = clock();
      const r = await readBalance(p, { apiKey: "k" }, { retries: 5, deadlineMs: 600_000, now: c.now, sleep: c.sleep });
      expect(r).toMatchObject({ ok: false, attempts: 1 });
      expect(c.slept()).toBe(0);
    }
  });
  it("back-off grows and is jittered within [ceiling/2, ceiling]", () => {
    expect(backoffDelay(1, 1000, () => 0)).toBe(500);
    expect(backoffDelay(1, 1000, () => 1)).toBe(1000);
    expect(backoffDelay(3, 1000, () => 1)).toBe(4000);
  });
});
