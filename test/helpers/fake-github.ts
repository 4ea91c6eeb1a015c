/**
 * A small stateful fake of the GitHub REST API endpoints the action's tracking issue uses, on loopback:
 * list a repository's issues (state, labels: all must match, per_page, page), create an issue, update
 * or close it, comment on it. Requests need `Authorization: Bearer <token>`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
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
  open(): FakeIssue[];
  close(): Promise<void>;
}

export async function startFakeGitHub(opts: { token: string; repository?: string }): Promise<FakeGitHub> {
  const repository = opts.repository ?? "octo/repo";
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

  function send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const u = new URL(req.url ?? "/", "http://fake");
    requests.push({ method: req.method ?? "", path: u.pathname + u.search, authorization: req.headers.authorization, body: raw });
    if (req.headers.authorization !== `Bearer ${opts.token}`) return send(res, 401, { message: "Bad credentials" });
    const prefix = `/repos/${repository}/issues`;
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
      return send(res, 200, matching.slice((page - 1) * perPage, page * perPage).map(view));
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

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, { message: String(err) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

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
    open: () => issues.filter((i) => i.state === "open" && !i.pull_request),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
