/**
 * A small stateful fake of the GitHub REST API endpoints the action's tracking issue uses, on loopback:
 * list a repository's issues (state, labels: all must match, per_page, page, with GitHub's `Link`
 * header for the next and last pages), create an issue, update or close it, comment on it. Requests
 * need `Authorization: Bearer <token>` or `token <token>`. Optionally serves HTTPS, under a path prefix
 * (GitHub Enterprise Server's `/api/v3`), and answers the next requests with a failure on demand
 * (5xx, a secondary rate limit).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";

export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  labels: string[];
  state: "open" | "closed";
  state_reason: string | null;
  /** Pull requests appear in the issues list too; the action must skip them. */
  pull_request?: { url: string };
  comments: string[];
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: string;
}

export interface FakeGitHub {
  readonly url: string;
  readonly repository: string;
  readonly issues: FakeIssue[];
  readonly requests: RecordedRequest[];
  /** Adds an issue (or pull request) directly, as if someone else had opened it. */
  seed(issue: Partial<FakeIssue> & { title: string }): FakeIssue;
  /** Make every write answer this status (e.g. 403 for a token without issues: write); 0 to stop. */
  failWrites(status: number): void;
  /** The next `count` requests answer `status` with this message and headers (then normal answers). */
  failNext(count: number, status: number, message: string, headers?: Record<string, string>): void;
  open(): FakeIssue[];
  close(): Promise<void>;
}

export interface FakeGitHubOptions {
  readonly token: string;
  readonly repository?: string;
  /** Serve HTTPS with this certificate and key (PEM). */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** Host name to put in `url` instead of 127.0.0.1 (one that a test proxy resolves, e.g. github.test). */
  readonly hostname?: string;
  /** Path prefix of the API, e.g. /api/v3 as on GitHub Enterprise Server. */
  readonly prefix?: string;
}

export async function startFakeGitHub(opts: FakeGitHubOptions): Promise<FakeGitHub> {
  const repository = opts.repository ?? "octo/repo";
  const apiPrefix = opts.prefix ?? "";
  const failures: { status: number; message: string; headers: Record<string, string> }[] = [];
  const issues: FakeIssue[] = [];
  const requests: RecordedRequest[] = [];
  let writeStatus = 0;
  let next = 1;
  let url = "";

  const view = (i: FakeIssue) => ({
    number: i.number,
    title: i.title,
    body: i.body,
    state: i.state,
    state_reason: i.state_reason,
    labels: i.labels.map((name) => ({ name })),
    html_url: `https://github.example/${repository}/issues/${i.number}`,
    ...(i.pull_request ? { pull_request: i.pull_request } : {}),
  });

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const u = new URL(req.url ?? "/", "http://fake");
    requests.push({ method: req.method ?? "", path: u.pathname + u.search, authorization: req.headers.authorization, body: raw });
    const failure = failures.shift();
    if (failure) return send(res, failure.status, { message: failure.message }, failure.headers);
    const auth = req.headers.authorization;
    if (auth !== `Bearer ${opts.token}` && auth !== `token ${opts.token}`) return send(res, 401, { message: "Bad credentials" });
    const prefix = `${apiPrefix}/repos/${repository}/issues`;
    if (!u.pathname.startsWith(prefix)) return send(res, 404, { message: "Not Found" });
    const rest = u.pathname.slice(prefix.length);
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    if (req.method !== "GET" && writeStatus) return send(res, writeStatus, { message: "Resource not accessible by integration" });

    if (req.method === "GET" && rest === "") {
      const state = u.searchParams.get("state") ?? "open";
      const labels = (u.searchParams.get("labels") ?? "").split(",").filter((l) => l !== "");
      const perPage = Number(u.searchParams.get("per_page") ?? 30);
      const page = Number(u.searchParams.get("page") ?? 1);
      const matching = issues
        .filter((i) => state === "all" || i.state === state)
        .filter((i) => labels.every((l) => i.labels.includes(l)))
        .sort((a, b) => b.number - a.number);
      const last = Math.max(1, Math.ceil(matching.length / perPage));
      const link = (p: number) => {
        const q = new URL(u.toString());
        q.searchParams.set("page", String(p));
        return `<${url.slice(0, url.length - apiPrefix.length)}${q.pathname}${q.search}>`;
      };
      const links: Record<string, string> = page < last ? { link: `${link(page + 1)}; rel="next", ${link(last)}; rel="last"` } : {};
      return send(res, 200, matching.slice((page - 1) * perPage, page * perPage).map(view), links);
    }
    if (req.method === "POST" && rest === "") {
      if (typeof body.title !== "string" || body.title === "") return send(res, 422, { message: "Validation Failed: title" });
      const issue: FakeIssue = {
        number: next++,
        title: body.title,
        body: typeof body.body === "string" ? body.body : "",
        labels: Array.isArray(body.labels) ? body.labels.map(String) : [],
        state: "open",
        state_reason: null,
        comments: [],
      };
      issues.push(issue);
      return send(res, 201, view(issue));
    }
    const m = /^\/(\d+)(\/comments)?$/.exec(rest);
    const issue = m ? issues.find((i) => i.number === Number(m[1])) : undefined;
    if (!m || !issue) return send(res, 404, { message: "Not Found" });
    if (req.method === "PATCH" && !m[2]) {
      if (typeof body.title === "string") issue.title = body.title;
      if (typeof body.body === "string") issue.body = body.body;
      if (body.state === "open" || body.state === "closed") issue.state = body.state;
      if (typeof body.state_reason === "string") issue.state_reason = body.state_reason;
      return send(res, 200, view(issue));
    }
    if (req.method === "POST" && m[2]) {
      if (typeof body.body !== "string" || body.body === "") return send(res, 422, { message: "Validation Failed: body" });
      issue.comments.push(body.body);
      return send(res, 201, { id: issue.comments.length, body: body.body });
    }
    return send(res, 404, { message: "Not Found" });
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => send(res, 500, { message: String(err) }));
  };
  const server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, listener) : createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `${opts.tls ? "https" : "http"}://${opts.hostname ?? "127.0.0.1"}:${(server.address() as AddressInfo).port}${apiPrefix}`;

  return {
    url,
    repository,
    issues,
    requests,
    seed(partial) {
      const issue: FakeIssue = {
        number: next++,
        body: "",
        labels: [],
        state: "open",
        state_reason: null,
        comments: [],
        ...partial,
      };
      issues.push(issue);
      return issue;
    },
    failWrites(status) {
      writeStatus = status;
    },
    failNext(count, status, message, headers = {}) {
      for (let i = 0; i < count; i++) failures.push({ status, message, headers });
    },
    open: () => issues.filter((i) => i.state === "open" && !i.pull_request),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
