/**
 * The one place the project makes HTTP requests to providers, on undici. Every request has one deadline
 * covering connect (through a proxy too), headers and body; the body is capped; nothing that describes a
 * failure can carry the API key or a proxy's credentials (see redact.ts); and nothing throws: a failure
 * to get a response is classified as `timeout` or `network`.
 *
 * Proxies: HTTPS_PROXY / HTTP_PROXY / NO_PROXY (lower-case too) through undici's EnvHttpProxyAgent, or
 * an account's own `proxy_url` through a ProxyAgent. Both tunnel with CONNECT, so a proxy's refusal
 * (407, 502, a proxy that cannot be reached) is told apart from the provider's answers and named.
 * Company CAs: NODE_EXTRA_CA_CERTS (Node adds it to the default roots), or an account's `ca_file`, added
 * to those roots. A certificate error names the host and why, and is marked as not worth retrying.
 */
import { readFileSync } from "node:fs";
import { getCACertificates } from "node:tls";
import { type Dispatcher, EnvHttpProxyAgent, Pool, ProxyAgent } from "undici";
import { safeTimeout } from "./delays.ts";
import { describeProxy, proxyFromEnv, proxySecrets } from "./proxy.ts";
import { describeUrl, redact } from "./redact.ts";

export const DEFAULT_TIMEOUT_MS = 15_000;
const MAX_BODY_BYTES = 1 << 20;

/** How an account reaches its provider: its own proxy and extra CA certificates, when configured. */
export interface NetworkOptions {
  /** http(s)://[user:password@]host:port; used for every request of the account (NO_PROXY does not apply). */
  readonly proxyUrl?: string;
  /** PEM file of CA certificates trusted in addition to Node's (and NODE_EXTRA_CA_CERTS). */
  readonly caFile?: string;
}

export interface HttpRequest {
  readonly method: "GET" | "POST" | "PATCH";
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Whole-request timeout (connect, headers and body), ms. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Values that must never appear in what this returns (the API key, a token). */
  readonly secrets: readonly string[];
  /** Proxy and CA settings; without them, the environment's proxy (if any) and Node's CAs. */
  readonly network?: NetworkOptions;
}

export type HttpHeaders = Readonly<Record<string, string | string[] | undefined>>;

export type HttpOutcome =
  | {
      readonly kind: "response";
      readonly status: number;
      readonly headers: HttpHeaders;
      readonly body: string;
      /** The body stopped early (connection dropped mid-body, or over the size cap). */
      readonly truncated: boolean;
    }
  | { readonly kind: "timeout"; readonly message: string }
  | {
      readonly kind: "network";
      readonly message: string;
      /** False when asking again soon cannot help (a certificate that is not trusted, proxy credentials refused). */
      readonly transient?: false;
    };

const NETWORK_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "DNS lookup failed",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  EPIPE: "connection closed",
  ECONNABORTED: "connection aborted",
  UND_ERR_SOCKET: "the server closed the connection without an answer",
  UND_ERR_CLOSED: "the connection was closed",
};

/** Why a certificate was refused, by OpenSSL / Node error code. */
const CERT_CODES: Readonly<Record<string, string>> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "signed by a CA not trusted here",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "signed by a CA not trusted here",
  UNABLE_TO_GET_ISSUER_CERT: "its issuer's certificate is unknown",
  SELF_SIGNED_CERT_IN_CHAIN: "its chain ends in a self-signed CA that is not trusted here",
  DEPTH_ZERO_SELF_SIGNED_CERT: "it is self-signed",
  CERT_HAS_EXPIRED: "it has expired",
  CERT_NOT_YET_VALID: "it is not valid yet",
  ERR_TLS_CERT_ALTNAME_INVALID: "it is not issued for this host name",
  CERT_SIGNATURE_FAILURE: "its signature is invalid",
  CERT_REVOKED: "it has been revoked",
  CERT_UNTRUSTED: "it is not trusted for this purpose",
  INVALID_CA: "a CA certificate in its chain is invalid",
};

const CA_HINT = "trust its CA with NODE_EXTRA_CA_CERTS (or --tls.ca-file / ca_file)";

/** Raised by the proxy client when the proxy, not the provider, is what failed. */
class ProxyFailure extends Error {
  override readonly name = "ProxyFailure";
  readonly status: number | undefined;
  constructor(detail: string, status?: number) {
    super(detail);
    this.status = status;
  }
}

function errorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; errors?: unknown[]; cause?: unknown } | undefined;
  if (typeof e?.code === "string") return e.code;
  // happy eyeballs: every address refused, reported as one AggregateError
  if (Array.isArray(e?.errors) && e.errors.length > 0) return errorCode(e.errors[0]);
  return e?.cause ? errorCode(e.cause) : undefined;
}

function describeError(err: unknown): string {
  const code = errorCode(err);
  if (code && NETWORK_CODES[code]) return NETWORK_CODES[code]!;
  const msg = (err as Error | undefined)?.message || String(err);
  return code && !msg.includes(code) ? `${msg} (${code})` : msg;
}

function proxyStatusText(status: number): string {
  if (status === 407) return "HTTP 407 Proxy Authentication Required (check the proxy URL's user and password)";
  if (status === 403) return "HTTP 403 (the proxy does not allow this destination)";
  if (status === 502 || status === 503 || status === 504) return `HTTP ${status} (the proxy could not reach the provider)`;
  return `HTTP ${status}`;
}

/** A client to the proxy that turns its failures into ProxyFailure, naming the proxy without credentials. */
function proxyClientFactory(origin: URL, opts: object): Dispatcher {
  const proxy = describeProxy(origin);
  const pool = new Pool(origin, opts as Pool.Options);
  const connect = pool.connect.bind(pool) as (o: Dispatcher.ConnectOptions) => Promise<Dispatcher.ConnectData>;
  const tunnel = async (o: Dispatcher.ConnectOptions): Promise<Dispatcher.ConnectData> => {
    let data: Dispatcher.ConnectData;
    try {
      data = await connect(o);
    } catch (err) {
      if ((err as Error)?.name === "AbortError" || errorCode(err) === "UND_ERR_ABORTED") throw err;
      throw new ProxyFailure(`cannot reach the proxy ${proxy} (to connect to ${o.path}): ${describeError(err)}`);
    }
    if (data.statusCode !== 200) {
      data.socket.on("error", () => {}).destroy();
      throw new ProxyFailure(`the proxy ${proxy} refused to connect to ${o.path}: ${proxyStatusText(data.statusCode)}`, data.statusCode);
    }
    return data;
  };
  (pool as unknown as { connect: typeof tunnel }).connect = tunnel;
  return pool;
}

function caList(caFile: string | undefined): string[] | undefined {
  if (!caFile) return undefined;
  // Node's default roots include NODE_EXTRA_CA_CERTS; `ca` replaces them, so they are passed along.
  return [...getCACertificates("default"), readFileSync(caFile, "utf8")];
}

const dispatchers = new Map<string, Dispatcher>();

/** One dispatcher (and its keep-alive pool) per proxy/CA setting and proxy environment. */
function dispatcherFor(network: NetworkOptions | undefined, env: NodeJS.ProcessEnv): Dispatcher {
  const envProxy = proxyFromEnv(env);
  const key = JSON.stringify([network?.proxyUrl, network?.caFile, envProxy]);
  let d = dispatchers.get(key);
  if (d) return d;
  const ca = caList(network?.caFile);
  const tls = { timeout: 120_000, ...(ca ? { ca } : {}) };
  const common = { connect: tls, requestTls: tls, proxyTls: tls, clientFactory: proxyClientFactory };
  d = network?.proxyUrl
    ? new ProxyAgent({ ...common, uri: network.proxyUrl })
    : new EnvHttpProxyAgent({
        ...common,
        ...(envProxy.http ? { httpProxy: envProxy.http } : {}),
        ...(envProxy.https ? { httpsProxy: envProxy.https } : {}),
        ...(envProxy.noProxy ? { noProxy: envProxy.noProxy } : {}),
      });
  dispatchers.set(key, d);
  return d;
}

/** Classifies an error from undici that came before (or instead of) a response. */
function failureOf(err: unknown, where: string, host: string): HttpOutcome {
  if (err instanceof ProxyFailure) {
    // messages are cut at 200 characters (core/untrusted-text.ts): the proxy and why come first
    return { kind: "network", message: err.message, ...(err.status === 407 ? { transient: false as const } : {}) };
  }
  const code = errorCode(err);
  if (code && CERT_CODES[code]) {
    return {
      kind: "network",
      message: `the TLS certificate of ${host} was refused: ${CERT_CODES[code]} (${code}); ${CA_HINT}`,
      transient: false,
    };
  }
  if (code === "UND_ERR_CONNECT_TIMEOUT") return { kind: "timeout", message: `could not connect to ${where} in time` };
  if (code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") return { kind: "timeout", message: `no answer from ${where} in time` };
  return { kind: "network", message: `cannot reach ${where}: ${describeError(err)}` };
}

/** Sends one request. Never throws: a failure to get a response is classified as timeout or network. */
export async function send(req: HttpRequest, env: NodeJS.ProcessEnv = process.env): Promise<HttpOutcome> {
  const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const where = describeUrl(req.url);
  const secrets = [...req.secrets, ...proxySecrets(req.network?.proxyUrl), ...proxySecrets(proxyFromEnv(env))];
  const clean = (o: HttpOutcome): HttpOutcome => (o.kind === "response" ? o : { ...o, message: redact(o.message, secrets) });

  const controller = new AbortController();
  let expired = false;
  let gotResponse = false;
  const timer = safeTimeout(() => {
    expired = true;
    controller.abort();
  }, timeoutMs);
  const onAbort = () => controller.abort();
  if (req.signal?.aborted) controller.abort();
  else req.signal?.addEventListener("abort", onAbort, { once: true });
  const stopped = (): HttpOutcome | undefined => {
    if (expired) {
      return {
        kind: "timeout",
        message: gotResponse ? `no complete answer from ${where} within ${timeoutMs} ms` : `no answer from ${where} within ${timeoutMs} ms`,
      };
    }
    if (req.signal?.aborted) return { kind: "network", message: `request to ${where} was cancelled` };
    return undefined;
  };

  try {
    let dispatcher: Dispatcher;
    try {
      dispatcher = dispatcherFor(req.network, env);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const what = req.network?.caFile && e.syscall === "open" ? `cannot read the CA file ${req.network.caFile} (${e.code})` : `invalid proxy setting: ${e.message}`;
      return clean({ kind: "network", message: `cannot reach ${where}: ${what}`, transient: false });
    }
    let res: Dispatcher.ResponseData;
    try {
      res = await dispatcher.request({
        origin: req.url.origin,
        path: `${req.url.pathname}${req.url.search}`,
        method: req.method,
        signal: controller.signal,
        ...(req.headers ? { headers: { ...req.headers } } : {}),
        ...(req.body !== undefined ? { body: req.body } : {}),
        headersTimeout: 0,
        bodyTimeout: 0,
      });
    } catch (err) {
      return clean(stopped() ?? failureOf(err, where, req.url.host));
    }
    gotResponse = true;
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    try {
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          truncated = true;
          break;
        }
        chunks.push(chunk);
      }
    } catch {
      // a connection dropped mid-body, or the deadline: what arrived, marked as cut off
      const s = stopped();
      if (s) return clean(s);
      truncated = true;
    }
    if (truncated) res.body.destroy();
    return {
      kind: "response",
      status: res.statusCode,
      headers: res.headers,
      body: Buffer.concat(chunks).toString("utf8"),
      truncated,
    };
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener("abort", onAbort);
  }
}

/** Closes every pooled connection (kept alive, or tunnelled through a proxy); later requests open new ones. */
export async function closeConnections(): Promise<void> {
  const all = [...dispatchers.values()];
  dispatchers.clear();
  await Promise.all(all.map((d) => d.destroy().catch(() => {})));
}

export function headerValue(headers: HttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Parses a Retry-After header (seconds or HTTP date) into milliseconds from now. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
