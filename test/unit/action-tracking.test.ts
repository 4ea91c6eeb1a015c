/** The tracking issue's logic over the REST client, against the fake GitHub API on loopback. */
import { createServer } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { githubIssuesApi } from "../../action/github-api.ts";
import type { Outcome } from "../../action/outcome.ts";
import { accountFingerprint, issueMarker, syncTrackingIssue } from "../../action/tracking-issue.ts";
import { priceBatch } from "../../core/pricing.ts";
import { type FakeGitHub, startFakeGitHub } from "../helpers/fake-github.ts";

const TOKEN = "ghs_tracking_token";
let gh: FakeGitHub;

const quote = (balance: number): Outcome => ({
  kind: "checked",
  quote: priceBatch({ balance, currency: "USD", batch: [{ type: "image", count: 1000 }], prices: { image: 0.001 }, marginBp: 0, reserve: 0 }),
});

function ctx(account: string, labels = ["captcha-runway"]) {
  return { provider: "captchaai", mode: "fail", onApiError: "fail", account, labels, now: new Date("2026-01-01T00:00:00Z") } as const;
}

beforeAll(async () => {
  gh = await startFakeGitHub({ token: TOKEN });
});
afterAll(() => gh.close());
beforeEach(() => {
  gh.issues.length = 0;
});

describe("tracking issue", () => {
  const api = () => githubIssuesApi({ apiUrl: gh.url, repository: gh.repository, token: TOKEN });

  it("fingerprints an account without the key and per provider and URL", () => {
    const key = "0123456789abcdef0123456789abcdef";
    const fp = accountFingerprint("captchaai", key);
    expect(fp).toMatch(/^[0-9a-f]{12}$/);
    expect(fp).not.toBe(accountFingerprint("2captcha", key));
    expect(fp).not.toBe(accountFingerprint("captchaai", key, "http://127.0.0.1:1"));
    expect(issueMarker("captchaai", fp)).not.toContain(key);
  });

  it("keeps one issue per account: two gates in one repository do not share an issue", async () => {
    await syncTrackingIssue(api(), quote(0.5), ctx("aaaaaaaaaaaa"));
    await syncTrackingIssue(api(), quote(0.5), ctx("bbbbbbbbbbbb"));
    await syncTrackingIssue(api(), quote(0.5), ctx("aaaaaaaaaaaa"));
    expect(gh.open()).toHaveLength(2);
    const res = await syncTrackingIssue(api(), quote(5), ctx("bbbbbbbbbbbb"));
    expect(res.action).toBe("closed");
    expect(gh.open().map((i) => i.body.includes("account=aaaaaaaaaaaa"))).toEqual([true]);
  });

  it("ignores issues with the label but without the marker, and pull requests", async () => {
    gh.seed({ title: "someone else's", labels: ["captcha-runway"], body: "no marker" });
    gh.seed({ title: "a PR", labels: ["captcha-runway"], body: issueMarker("captchaai", "cccccccccccc"), pull_request: { url: "x" } });
    const res = await syncTrackingIssue(api(), quote(0.5), ctx("cccccccccccc"));
    expect(res.action).toBe("opened");
    expect(gh.open()).toHaveLength(2); // the unmarked issue and the new one (the PR is not an issue)
  });

  it("finds its issue beyond the first page of labelled issues", async () => {
    const mine = gh.seed({ title: "old", labels: ["captcha-runway"], body: `${issueMarker("captchaai", "dddddddddddd")}\n` });
    for (let i = 0; i < 150; i++) gh.seed({ title: `noise ${i}`, labels: ["captcha-runway"] });
    const res = await syncTrackingIssue(api(), quote(0.5), ctx("dddddddddddd"));
    expect(res).toMatchObject({ action: "updated", number: mine.number });
  });

  it("lists by every label", async () => {
    await syncTrackingIssue(api(), quote(0.5), ctx("eeeeeeeeeeee", ["budget", "captcha"]));
    expect(gh.open()[0]!.labels).toEqual(["budget", "captcha"]);
    const list = gh.requests.filter((r) => r.method === "GET").pop()!;
    expect(new URL(list.path, "http://x").searchParams.get("labels")).toBe("budget,captcha");
    expect(list.authorization).toBe(`token ${TOKEN}`);
  });

  it("reports a rejected token without printing it", async () => {
    const bad = githubIssuesApi({ apiUrl: gh.url, repository: gh.repository, token: "wrong-token" });
    await expect(syncTrackingIssue(bad, quote(0.5), ctx("ffffffffffff"))).rejects.toThrow(/HTTP 401: Bad credentials \(github-token was rejected\)/);
  });

  describe("retries and rate limits (Octokit's plugins)", () => {
    const warnings: string[] = [];
    const fast = () =>
      githubIssuesApi({
        apiUrl: gh.url,
        repository: gh.repository,
        token: TOKEN,
        waitUnitMs: 1,
        log: { warn: (m) => warnings.push(m), info: () => {} },
      });

    it("retries a 502 from GitHub", async () => {
      gh.failNext(2, 502, "Server Error");
      const before = gh.requests.length;
      expect(await fast().listOpenIssues(["x"])).toEqual([]);
      expect(gh.requests.length - before).toBe(3);
    });

    it("gives up after its retries, naming the call and the status", async () => {
      gh.failNext(3, 503, "Unavailable");
      await expect(fast().listOpenIssues(["x"])).rejects.toThrow(/GET \/repos\/octo\/repo\/issues answered HTTP 503: Unavailable/);
    });

    it("waits out a secondary rate limit (Retry-After) and retries", async () => {
      gh.failNext(1, 403, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", { "retry-after": "2" });
      const before = gh.requests.length;
      const created = await fast().createIssue("t", "b", ["x"]);
      expect(created.number).toBeGreaterThan(0);
      expect(gh.requests.length - before).toBe(2);
      expect(warnings.join("\n")).toContain("secondary rate limit reached for POST /repos/{owner}/{repo}/issues; retrying in 2 s");
    });

    it("waits for the primary rate limit to reset", async () => {
      const reset = String(Math.floor(Date.now() / 1000) + 1);
      gh.failNext(1, 403, "API rate limit exceeded", { "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset });
      expect(await fast().listOpenIssues(["x"])).toEqual([]);
    });

    it("does not wait an hour for a secondary rate limit: fails with GitHub's message", async () => {
      gh.failNext(1, 403, "You have exceeded a secondary rate limit.", { "retry-after": "3600" });
      await expect(fast().listOpenIssues(["x"])).rejects.toThrow(/HTTP 403: You have exceeded a secondary rate limit/);
      expect(warnings.join("\n")).toContain("giving up");
    });

    it("names GitHub when it cannot be reached, without the token", async () => {
      // a port with nothing listening: bind, note it, close
      const probe = createServer();
      await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
      const port = (probe.address() as { port: number }).port;
      await new Promise<void>((r) => probe.close(() => r()));
      const api = githubIssuesApi({ apiUrl: `http://127.0.0.1:${port}`, repository: gh.repository, token: TOKEN, waitUnitMs: 1 });
      const err = await api.listOpenIssues(["x"]).catch((e: Error) => e);
      expect(String(err)).toMatch(new RegExp(`GET /repos/octo/repo/issues failed: cannot reach http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
      expect(String(err)).not.toContain(TOKEN);
    });
  });
});
