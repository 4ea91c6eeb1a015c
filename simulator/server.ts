/**
 * The provider simulator: one local HTTP server that answers every provider protocol (legacy res.php,
 * client-key JSON, NopeCHA's status, DeathByCaptcha's account details) for any number of accounts,
 * spends their balances over simulated time, misbehaves on demand, and can be driven programmatically
 * or through a small JSON control API under /_sim/. It listens on loopback only and never logs or
 * echoes the keys it is given. This module wires the parts: the protocol handlers (handlers/), the
 * faults (faults.ts), the control API (control.ts), the accounts (accounts.ts) and the HTTP side
 * (transport.ts).
 */
import http from "node:http";
import https from "node:https";
import { InputError, listenErrorMessage } from "../core/errors.ts";
import { AccountBook } from "./accounts.ts";
import { BanList } from "./bans.ts";
import { SimClock } from "./clock.ts";
import { type ControlTarget, controlRequest } from "./control.ts";
import { RequestCounter } from "./counts.ts";
import { FaultQueue, faultAnswer } from "./faults.ts";
import { SimulatorHandle, type Simulator } from "./handle.ts";
import { HANDLERS, type Handled, type ProtocolContext, type SimRequest } from "./handlers/index.ts";
import { checkOptions, type SimulatorOptions } from "./options.ts";
import { type Flavour, notFound } from "./protocol.ts";
import { SolveDesk } from "./solves.ts";
import { deliver, readBody, Sleepers, send } from "./transport.ts";

type BalanceCall = Extract<Handled, { kind: "balance" }>;
type Listener = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** A running simulator's parts, as the request handling needs them. */
interface Running {
  readonly options: SimulatorOptions;
  readonly flavour: Flavour;
  readonly now: () => number;
  readonly ctx: ProtocolContext;
  readonly counter: RequestCounter;
  readonly faults: FaultQueue;
  readonly sleepers: Sleepers;
  readonly control: ControlTarget;
  closing: boolean;
}

/** Starts a simulator; resolves once it listens. */
export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const { host, port, flavour, timeScale, seed } = checkOptions(options);
  const now = options.now ?? Date.now;
  const originEpochMs = options.originEpochMs ?? Date.now();
  const clock = new SimClock(now, timeScale);
  const book = new AccountBook(options.accounts, { flavour, clock, seed, originEpochMs });
  const ctx: ProtocolContext = {
    book,
    bans: new BanList(options.ban, now),
    solves: new SolveDesk(book),
    flavour,
    spendingStats: { calls: 0, error: options.spendingStatsError },
  };
  const counter = new RequestCounter(book);
  const faults = new FaultQueue();
  const sim = new SimulatorHandle({ host, flavour, clock, book, counter, faults, spendingStats: ctx.spendingStats });
  const run: Running = { options, flavour, now, ctx, counter, faults, sleepers: new Sleepers(), control: { sim, book, clock }, closing: false };

  const server = createServer(options.tls, (req, res) => {
    respond(run, req, res).catch(() => {
      // Never include request data (keys) in what we answer or print.
      if (!res.headersSent) send(res, { status: 500, headers: { "content-type": "text/plain" }, body: "simulator error" });
      else res.destroy();
    });
  });
  const bound = await listen(server, host, port, options.tls !== undefined);
  let closed: Promise<void> | null = null;
  sim.listening(bound.url, bound.port, () => {
    if (closed) return closed;
    run.closing = true;
    closed = new Promise<void>((resolve) => {
      server.close(() => resolve());
      run.sleepers.wakeAll();
      server.closeAllConnections();
    });
    return closed;
  });
  return sim;
}

/** Answers one request: the control API under /_sim/, else the first protocol handler that knows the path. */
async function respond(run: Running, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://simulator.invalid");
  const method = (req.method ?? "GET").toUpperCase();
  const body = await readBody(req);
  if (body === null || run.closing) return;
  if (url.pathname.startsWith("/_sim/")) return send(res, controlRequest(run.control, method, url.pathname, body));
  const request: SimRequest = { method, url, body, headers: req.headers, client: req.socket.remoteAddress ?? "unknown" };
  for (const handler of HANDLERS) {
    const handled = handler(request, run.ctx);
    if (handled === null) continue;
    return handled.kind === "balance" ? serveBalanceCall(run, req, res, handled) : send(res, handled.response);
  }
  send(res, notFound());
}

/** Counts a balance call, applies the faults it meets, and delivers its answer. */
async function serveBalanceCall(run: Running, req: http.IncomingMessage, res: http.ServerResponse, call: BalanceCall): Promise<void> {
  run.counter.count(call.key, call.protocol);
  const account = run.ctx.book.byKey(call.key);
  run.options.onRequest?.({ account: account?.id ?? null, protocol: call.protocol, atMs: run.now() });
  const { delayMs, fault } = run.faults.take(call.key, call.protocol);
  if (delayMs > 0) await run.sleepers.sleep(delayMs);
  if (run.closing || res.destroyed) return;
  const target = { protocol: call.protocol, key: call.key, json: call.json, flavour: account?.flavour ?? run.flavour, account };
  deliver(req, res, fault ? faultAnswer(fault, target, call.answer) : call.answer());
}

function createServer(tls: SimulatorOptions["tls"], listener: Listener): http.Server {
  const server = tls ? https.createServer({ cert: tls.cert, key: tls.key }, listener) : http.createServer(listener);
  server.on("clientError", (_err, socket) => socket.destroy());
  return server;
}

/** Listens on host:port; the URL clients use, and the port bound (a free one for port 0). */
async function listen(server: http.Server, host: string, port: number, tls: boolean): Promise<{ url: string; port: number }> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(new InputError(`simulator: ${listenErrorMessage(err, `${host.includes(":") ? `[${host}]` : host}:${port}`, "--port") ?? `cannot listen on ${host}:${port} (${err.code ?? err.message})`}`)),
    );
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const boundPort = typeof address === "object" && address ? address.port : port;
  const urlHost = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return { url: `${tls ? "https" : "http"}://${urlHost}:${boundPort}`, port: boundPort };
}
