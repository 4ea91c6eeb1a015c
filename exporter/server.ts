/**
 * HTTP(S) front: `/metrics` (or --web.telemetry-path) serialises the cached metrics, `/` is the landing
 * page, `/-/healthy` and `/-/ready` are probes. Basic auth and headers from the web config apply to
 * every path, as with exporter-toolkit.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import express, { type NextFunction, type Request, type Response } from "express";
import { formatListenAddress, type ListenAddress } from "./flags.ts";
import type { Logger } from "./logger.ts";
import type { ExporterMetrics } from "./metrics.ts";
import type { BasicAuthChecker } from "./basic-auth.ts";
import type { WebConfig } from "./web-config.ts";

/**
 * True when the client prefers OpenMetrics: `application/openmetrics-text` is acceptable (q > 0) and
 * ranked at least as high as the classic text format (explicitly or through a wildcard).
 */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  if (!accept) return false;
  let om = 0;
  let text = 0;
  for (const part of accept.split(",")) {
    const [type = "", ...params] = part.trim().split(";").map((s) => s.trim());
    let q = 1;
    for (const p of params) {
      const m = /^q=([0-9.]+)$/i.exec(p);
      if (m) q = Number(m[1]);
    }
    if (!Number.isFinite(q)) continue;
    const t = type.toLowerCase();
    if (t === "application/openmetrics-text") om = Math.max(om, q);
    else if (t === "text/plain" || t === "text/*" || t === "*/*") text = Math.max(text, q);
  }
  return om > 0 && om >= text;
}

export interface AppDeps {
  readonly metrics: ExporterMetrics;
  readonly telemetryPath: string;
  readonly webConfig: WebConfig;
  readonly auth: BasicAuthChecker;
  /** The landing page, ready to send (rendered at most once a second, see landing-cache.ts). */
  readonly landing: () => Promise<Buffer>;
  readonly isReady: () => boolean;
  /** Sharded: which accounts readiness is about, e.g. " of shard 1 of 3 (4 of 340 pending)"; appended to the answers of /-/ready. */
  readonly readyScope?: () => string;
  readonly logger: Logger;
}

const LANDING_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);

  app.use((req: Request, res: Response, next: NextFunction) => {
    for (const [name, value] of Object.entries(deps.webConfig.headers)) res.setHeader(name, value);
    if (!deps.auth.enabled) return next();
    deps.auth.check(req.headers.authorization).then(
      (outcome) => {
        if (outcome === "ok") return next();
        if (outcome === "busy") {
          // Too many unverified credentials at once (a password-guessing flood): refuse at once
          // rather than queue; scrapers whose credentials are already verified are not affected.
          res.status(429).setHeader("Retry-After", "1");
          return void res.type("text/plain").send("Too many authentication attempts in progress; retry later\n");
        }
        res.status(401).setHeader("WWW-Authenticate", 'Basic realm="captcha-runway", charset="UTF-8"');
        res.type("text/plain").send("Unauthorized\n");
      },
      () => res.status(500).type("text/plain").send("authentication failed\n"),
    );
  });

  app.get(deps.telemetryPath, async (req: Request, res: Response) => {
    const openMetrics = wantsOpenMetrics(req.headers.accept);
    try {
      const [head, rest] = await deps.metrics.renderParts(openMetrics);
      res.status(200).setHeader("Content-Type", deps.metrics.contentType(openMetrics));
      res.setHeader("Cache-Control", "no-store");
      res.setHeader("Content-Length", head.length + Buffer.byteLength(rest));
      // The shared buffer goes out as is: no per-scrape copy of the account series.
      if (req.method === "HEAD") return void res.end();
      res.write(head);
      res.end(rest);
    } catch (err) {
      deps.logger.error("cannot serialise metrics", { err: (err as Error).message });
      res.status(500).type("text/plain").send("error serialising metrics; see the exporter's log\n");
    }
  });

  app.get("/", async (_req: Request, res: Response) => {
    const page = await deps.landing();
    res.status(200).type("html");
    res.setHeader("Cache-Control", "no-store");
    if (!deps.webConfig.headers["Content-Security-Policy"]) res.setHeader("Content-Security-Policy", LANDING_CSP);
    res.send(page);
  });

  // Browsers ask for it on every page (the metrics page too); there is none.
  app.get("/favicon.ico", (_req: Request, res: Response) => {
    res.status(204).end();
  });

  app.get("/-/healthy", (_req: Request, res: Response) => {
    res.status(200).type("text/plain").send("Healthy\n");
  });

  app.get("/-/ready", (_req: Request, res: Response) => {
    const scope = deps.readyScope?.() ?? "";
    if (deps.isReady()) res.status(200).type("text/plain").send(scope === "" ? "Ready\n" : `Ready: every account${scope} checked\n`);
    else res.status(503).type("text/plain").send(`Not ready: waiting for the first balance check of every account${scope}\n`);
  });

  app.use((_req: Request, res: Response) => {
    res.status(404).type("text/plain").send(`Not found. Metrics are at ${deps.telemetryPath}\n`);
  });
  return app;
}

export interface RunningServer {
  readonly server: Server;
  /** Base URL, e.g. http://127.0.0.1:9877 (loopback address when listening on every interface). */
  readonly url: string;
  /** The address bound, for the log: `*:9877` on every interface, else the host and port bound (`127.0.0.1:9877`, `[::1]:9877`). */
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * What one client can hold. A scrape is one small GET: its headers arrive at once, so a connection
 * that has not sent a whole request within `headersTimeoutMs` is dropped (checked every
 * `checkIntervalMs`), an idle kept-alive connection after `keepAliveTimeoutMs`, and connections
 * beyond `maxConnections` are closed on arrival.
 */
export interface ServerLimits {
  readonly maxConnections: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly checkIntervalMs: number;
}

export const SERVER_LIMITS: ServerLimits = {
  maxConnections: 512,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 15_000,
  keepAliveTimeoutMs: 30_000,
  checkIntervalMs: 1000,
};

export async function listen(app: express.Express, address: ListenAddress, webConfig: WebConfig, limits: ServerLimits = SERVER_LIMITS): Promise<RunningServer> {
  const handler = app as unknown as (req: IncomingMessage, res: ServerResponse) => void;
  const httpOptions = {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: limits.checkIntervalMs,
  };
  const server: Server = webConfig.tls
    ? createHttpsServer({ ...httpOptions, cert: webConfig.tls.cert, key: webConfig.tls.key, minVersion: webConfig.tls.minVersion }, handler)
    : createHttpServer(httpOptions, handler);
  server.maxConnections = limits.maxConnections;
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(err);
    server.once("error", onError);
    server.listen({ port: address.port, ...(address.host !== undefined ? { host: address.host } : {}) }, () => {
      server.off("error", onError);
      resolve();
    });
  });
  const info = server.address() as AddressInfo;
  const host = address.host === undefined || address.host === "0.0.0.0" || address.host === "::" ? "127.0.0.1" : address.host;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  const url = `${webConfig.tls ? "https" : "http"}://${shownHost}:${info.port}`;
  return {
    server,
    url,
    address: formatListenAddress({ host: address.host === undefined ? undefined : info.address, port: info.port }),
    port: info.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
