/**
 * The handful of GitHub REST endpoints the tracking issue needs, through core/http.ts, the one place the
 * project makes requests (Octokit would add about a megabyte to dist/ and most of the action's start-up time).
 * Issues are listed by label through the issues API, not the search API, whose index lags behind.
 */
import { send } from "../core/http.ts";
import { redact } from "../core/redact.ts";

export interface Issue {
  readonly number: number;
  readonly title: string;
  readonly body: string;
  readonly htmlUrl: string;
}

/** What tracking-issue.ts needs from GitHub; a fake in unit tests, REST in the action. */
export interface IssuesApi {
  listOpenIssues(labels: readonly string[]): Promise<Issue[]>;
  createIssue(title: string, body: string, labels: readonly string[]): Promise<Issue>;
  updateIssue(number: number, title: string, body: string): Promise<void>;
  comment(number: number, body: string): Promise<void>;
  closeIssue(number: number): Promise<void>;
}

export class GitHubApiError extends Error {
  override readonly name = "GitHubApiError";
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

export interface RestOptions {
  /** GITHUB_API_URL (https://api.github.com on github.com). */
  readonly apiUrl: string;
  /** `owner/name` (GITHUB_REPOSITORY). */
  readonly repository: string;
  readonly token: string;
  readonly timeoutMs?: number;
}

/** Pages of 100 read at most when looking for the tracking issue. */
const MAX_PAGES = 10;

interface RawIssue {
  number: number;
  title: string;
  body?: string | null;
  html_url: string;
  pull_request?: unknown;
}

function toIssue(raw: RawIssue): Issue {
  return { number: raw.number, title: raw.title, body: raw.body ?? "", htmlUrl: raw.html_url };
}

export function restIssuesApi(opts: RestOptions): IssuesApi {
  if (!/^[^/\s]+\/[^/\s]+$/.test(opts.repository)) {
    throw new GitHubApiError(`GITHUB_REPOSITORY is "${opts.repository}"; expected owner/name`, 0);
  }
  const base = `${opts.apiUrl.replace(/\/+$/, "")}/repos/${opts.repository}`;
  const timeoutMs = opts.timeoutMs ?? 15_000;

  async function call<T>(method: "GET" | "POST" | "PATCH", path: string, body?: unknown): Promise<T> {
    const url = new URL(`${base}${path}`);
    const what = `${method} ${url.pathname}`;
    const outcome = await send({
      method,
      url,
      headers: {
        authorization: `Bearer ${opts.token}`,
        accept: "application/vnd.github+json",
        "x-github-api-version": "2022-11-28",
        "user-agent": "captcha-runway-action",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      timeoutMs,
      secrets: [opts.token],
    });
    if (outcome.kind !== "response") throw new GitHubApiError(redact(`${what} failed: ${outcome.message}`, [opts.token]), 0);
    const text = outcome.body;
    if (outcome.status >= 300) {
      let detail = text.slice(0, 200);
      try {
        const parsed = JSON.parse(text) as { message?: unknown };
        if (typeof parsed.message === "string") detail = parsed.message;
      } catch {
        // not JSON: keep the start of the body
      }
      const hint =
        outcome.status === 403 || outcome.status === 404
          ? " (the job's token needs `permissions: issues: write`)"
          : outcome.status === 401
            ? " (github-token was rejected)"
            : "";
      throw new GitHubApiError(redact(`${what} answered HTTP ${outcome.status}: ${detail}${hint}`, [opts.token]), outcome.status);
    }
    if (outcome.truncated) throw new GitHubApiError(`${what}: the answer was cut off`, outcome.status);
    try {
      return (text ? JSON.parse(text) : undefined) as T;
    } catch {
      throw new GitHubApiError(`${what}: the answer is not JSON`, outcome.status);
    }
  }

  return {
    async listOpenIssues(labels) {
      const out: Issue[] = [];
      for (let page = 1; page <= MAX_PAGES; page++) {
        const q = new URLSearchParams({ state: "open", labels: labels.join(","), per_page: "100", page: String(page) });
        const batch = await call<RawIssue[]>("GET", `/issues?${q}`);
        for (const raw of batch) if (!raw.pull_request) out.push(toIssue(raw));
        if (batch.length < 100) break;
      }
      return out;
    },
    async createIssue(title, body, labels) {
      return toIssue(await call<RawIssue>("POST", "/issues", { title, body, labels }));
    },
    async updateIssue(number, title, body) {
      await call("PATCH", `/issues/${number}`, { title, body });
    },
    async comment(number, body) {
      await call("POST", `/issues/${number}/comments`, { body });
    },
    async closeIssue(number) {
      await call("PATCH", `/issues/${number}`, { state: "closed", state_reason: "completed" });
    },
  };
}
