/**
 * The GitHub calls of the tracking issue, on @actions/github (Octokit): the API URL from GITHUB_API_URL
 * (GitHub Enterprise Server), the runner's proxy through @actions/http-client (HTTPS_PROXY / NO_PROXY),
 * pagination by the library (Link headers), retries of 5xx answers (@octokit/plugin-retry) and waits
 * on primary and secondary rate limits (@octokit/plugin-throttling). Loaded only when `tracking-issue`
 * is on (action/run.ts imports it lazily; the bundle keeps it in dist/tracking.js), so the plain gate
 * does not pay for it. Issues are listed by label through the issues API, not the search API, whose
 * index lags behind.
 */
import { getOctokit } from "@actions/github";
import { defaults } from "@actions/github/lib/utils";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { redact } from "../core/redact.ts";
import { untrustedText } from "../core/untrusted-text.ts";

export interface Issue {
  readonly number: number;
  readonly title: string;
  readonly body: string;
  readonly htmlUrl: string;
}

/** What tracking-issue.ts needs from GitHub; a fake in unit tests, Octokit in the action. */
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

export interface GitHubApiOptions {
  /** GITHUB_API_URL (https://api.github.com on github.com, https://HOST/api/v3 on GHES). */
  readonly apiUrl: string;
  /** `owner/name` (GITHUB_REPOSITORY). */
  readonly repository: string;
  readonly token: string;
  /** Bound on everything the tracking issue does (every call, retry and rate-limit wait), ms. */
  readonly timeoutMs?: number;
  /** Retries of a 5xx answer or a dropped connection (default 2). */
  readonly retries?: number;
  /** Longest rate-limit wait accepted before giving up (default 60 s). */
  readonly maxRateLimitWaitS?: number;
  /** Scales every wait of the retry and throttling plugins (default 1000 ms per second; tests shrink it). */
  readonly waitUnitMs?: number;
  /** Where the library's warnings go (the action passes core.warning / core.info). */
  readonly log?: { readonly warn: (message: string) => void; readonly info: (message: string) => void };
  /** Other values to keep out of messages (the proxy's credentials). */
  readonly secrets?: readonly string[];
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

/** The deepest message of an error's cause chain: what fetch/undici actually said. */
function rootCause(err: unknown): string | undefined {
  let e = (err as { cause?: unknown } | undefined)?.cause;
  let last: string | undefined;
  for (let i = 0; e && i < 5; i++) {
    const x = e as { message?: string; code?: string; cause?: unknown };
    if (x.message) last = x.code && !x.message.includes(x.code) ? `${x.message} (${x.code})` : x.message;
    e = x.cause;
  }
  return last;
}

function hintFor(status: number): string {
  if (status === 403 || status === 404) return " (the job's token needs `permissions: issues: write`)";
  if (status === 401) return " (github-token was rejected)";
  return "";
}

export function githubIssuesApi(opts: GitHubApiOptions): IssuesApi {
  const m = /^([^/\s]+)\/([^/\s]+)$/.exec(opts.repository);
  if (!m) throw new GitHubApiError(`GITHUB_REPOSITORY is "${opts.repository}"; expected owner/name`, 0);
  const [, owner, repo] = m as unknown as [string, string, string];
  const secrets = [opts.token, ...(opts.secrets ?? [])];
  const unit = opts.waitUnitMs ?? 1000;
  const maxWait = opts.maxRateLimitWaitS ?? 60;
  const log = opts.log ?? { warn: () => {}, info: () => {} };
  const signal = AbortSignal.timeout(opts.timeoutMs ?? 120_000);
  const waitOk = (what: string) => (retryAfter: number, options: { method?: string; url?: string }, _o: unknown, retryCount: number) => {
    const ok = retryCount < 2 && retryAfter <= maxWait;
    log.warn(redact(`GitHub ${what} for ${options.method} ${options.url}; ${ok ? `retrying in ${retryAfter} s` : "giving up"}`, secrets));
    return ok;
  };
  const octokit = getOctokit(
    opts.token,
    {
      baseUrl: opts.apiUrl.replace(/\/+$/, ""),
      userAgent: "captcha-runway-action",
      // Octokit merges options shallowly: keep @actions/github's proxy-aware fetch (@actions/http-client)
      request: { ...defaults.request, signal },
      retry: { retries: opts.retries ?? 2, retryAfterBaseValue: unit },
      throttle: {
        retryAfterBaseValue: unit,
        onRateLimit: waitOk("rate limit reached"),
        onSecondaryRateLimit: waitOk("secondary rate limit reached"),
      },
      log: { debug: () => {}, info: (s: string) => log.info(redact(s, secrets)), warn: (s: string) => log.warn(redact(s, secrets)), error: () => {} },
    },
    retry,
    throttling,
  );

  /** Runs one call; every failure becomes a GitHubApiError naming the call, without the token. */
  async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const e = err as { status?: unknown; message?: string; response?: { data?: { message?: unknown } } };
      const status = typeof e.status === "number" ? e.status : 0;
      if (signal.aborted) throw new GitHubApiError(redact(`${what}: no answer from GitHub in time`, secrets), status);
      const apiMessage = typeof e.response?.data?.message === "string" ? e.response.data.message : undefined;
      if (apiMessage !== undefined || (status >= 300 && status !== 500)) {
        // GitHub's own words are outside text: sanitised, redacted and bounded like a provider's
        const said = untrustedText(apiMessage ?? e.message ?? "", secrets);
        throw new GitHubApiError(redact(`${what} answered HTTP ${status}: ${said}${hintFor(status)}`, secrets), status);
      }
      // no answer: fetch failed (connection refused, the proxy refused, a certificate not trusted…)
      const cause = rootCause(err) ?? e.message ?? String(err);
      throw new GitHubApiError(redact(`${what} failed: cannot reach ${opts.apiUrl.replace(/\/+$/, "")}: ${cause}`, secrets), 0);
    }
  }

  return {
    async listOpenIssues(labels) {
      let pages = 0;
      const raw = await call(`GET /repos/${owner}/${repo}/issues`, () =>
        octokit.paginate(
          octokit.rest.issues.listForRepo,
          { owner, repo, state: "open", labels: labels.join(","), per_page: 100 },
          (response, done) => {
            if (++pages >= MAX_PAGES) done();
            return response.data as RawIssue[];
          },
        ),
      );
      return raw.filter((r) => !r.pull_request).map(toIssue);
    },
    async createIssue(title, body, labels) {
      const res = await call(`POST /repos/${owner}/${repo}/issues`, () => octokit.rest.issues.create({ owner, repo, title, body, labels: [...labels] }));
      return toIssue(res.data as RawIssue);
    },
    async updateIssue(number, title, body) {
      await call(`PATCH /repos/${owner}/${repo}/issues/${number}`, () => octokit.rest.issues.update({ owner, repo, issue_number: number, title, body }));
    },
    async comment(number, body) {
      await call(`POST /repos/${owner}/${repo}/issues/${number}/comments`, () => octokit.rest.issues.createComment({ owner, repo, issue_number: number, body }));
    },
    async closeIssue(number) {
      await call(`PATCH /repos/${owner}/${repo}/issues/${number}`, () =>
        octokit.rest.issues.update({ owner, repo, issue_number: number, state: "closed", state_reason: "completed" }),
      );
    },
  };
}
