/**
 * The landing page cache (exporter/landing-cache.ts) and the sliced renderer: many visitors cost one
 * render per second at most, a stale copy is never older than stated, and the sliced render is the
 * same page as the plain one.
 */
import { describe, expect, it } from "vitest";
import { renderLanding, renderLandingInSlices } from "../../exporter/landing.ts";
import { LandingCache } from "../../exporter/landing-cache.ts";
import { type AccountStatus, uncheckedStatus } from "../../exporter/poller.ts";
import { RunwayEstimator } from "../../core/runway/estimator.ts";

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe("landing cache", () => {
  it("renders once for any number of visitors within maxAgeMs, again after it", async () => {
    let now = 0;
    let renders = 0;
    const cache = new LandingCache(async () => `page ${++renders}`, { maxAgeMs: 1000, now: () => now });
    const pages = await Promise.all(Array.from({ length: 100 }, () => cache.get()));
    expect(new Set(pages.map(String))).toEqual(new Set(["page 1"]));
    now = 999;
    expect(String(await cache.get())).toBe("page 1");
    expect(cache.renders).toBe(1);
    now = 1000;
    expect(String(await cache.get())).toBe("page 1"); // stale copy while the new one renders
    await new Promise((r) => setImmediate(r));
    expect(String(await cache.get())).toBe("page 2");
    expect(cache.renders).toBe(2);
  });

  it("visitors wait for the render in progress when the copy is older than maxStaleMs, one render for all", async () => {
    let now = 0;
    const gate = deferred<string>();
    let calls = 0;
    const cache = new LandingCache(
      async () => {
        calls++;
        return calls === 1 ? "old" : gate.promise;
      },
      { maxAgeMs: 1000, maxStaleMs: 5000, now: () => now },
    );
    expect(String(await cache.get())).toBe("old");
    now = 60_000;
    const waiting = Array.from({ length: 10 }, () => cache.get());
    gate.resolve("new");
    expect((await Promise.all(waiting)).map(String)).toEqual(Array(10).fill("new"));
    expect(calls).toBe(2);
  });

  it("a failed render is retried by the next visitor", async () => {
    let fail = true;
    const cache = new LandingCache(async () => {
      if (fail) throw new Error("boom");
      return "ok";
    });
    await expect(cache.get()).rejects.toThrow("boom");
    fail = false;
    expect(String(await cache.get())).toBe("ok");
  });
});

describe("landing renderer in slices", () => {
  it("gives the same page as the one-piece renderer, yielding to the event loop between slices", async () => {
    const accounts: AccountStatus[] = Array.from({ length: 120 }, (_, i) => ({
      ...uncheckedStatus({
        labels: { account: `acct-${i}`, provider: "captchaai" },
        intervalMs: 60_000,
        prices: {},
        currency: "USD",
        estimate: new RunwayEstimator().current(),
      }),
      balance: 10 + i,
      valuesCurrent: true,
      checks: 2,
      lastAttemptAtMs: 1_000_000,
      lastSuccessAtMs: 1_000_000,
      lastCheckDurationSeconds: 0.2,
      up: true,
      history: Array.from({ length: 30 }, (_, k) => ({ t: 1000 + k * 60, balance: 20 + i - k * 0.1 })),
    }));
    const input = { accounts, telemetryPath: "/metrics", version: "1", nowMs: 1_005_000, demo: false };
    let done = false;
    let otherWorkRan = false;
    const rendering = renderLandingInSlices(input, 10).then((page) => {
      done = true;
      return page;
    });
    setImmediate(() => {
      otherWorkRan = !done;
    });
    const sliced = await rendering;
    expect(otherWorkRan).toBe(true);
    expect(sliced).toBe(renderLanding(input));
    expect(sliced.match(/<tr class=/g)).toHaveLength(120);
    expect(await renderLandingInSlices({ ...input, accounts: [] })).toContain("No accounts configured.");
  });
});
