/**
 * The one place the project makes HTTP requests (to providers, and the action's calls to GitHub).
 * Every request has a deadline covering connect, headers and body; the body is capped; and nothing
 * that describes a failure can carry the API key (see redact.ts).
 *
 * Built on node:http/https rather than undici: a balance call is one small request, and loading
 * undici's client costs more start-up time than the whole GitHub Action may take (see README,
 * "Benchmarks"). Keep-alive comes from Node's global agents.
 */
import { type IncomingHttpHeaders, request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { safeTimeout } from "./delays.ts";
import { describeUrl, redact } from "./redact.ts";

export const DEFAULT_TIMEOUT_MS = 15_000;
const MAX_BODY_BYTES = 1 << 20;

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
  | { readonly kind: "network"; readonly message: string };

const NETWORK_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "DNS lookup failed",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  EPIPE: "connection closed",
  ECONNABORTED: "connection aborted",
  ERR_TLS_CERT_ALTNAME_INVALID: "TLS certificate does not match the host",
  CERT_HAS_EXPIRED: "TLS certificate has expired",
  DEPTH_ZERO_SELF_SIGNED_CERT: "self-signed TLS certificate",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "TLS certificate cannot be verified",
};

function describeError(err: unknown): string {
  const e = err as NodeJS.ErrnoException | undefined;
  const code = typeof e?.code === "string" ? e.code : undefined;
  if (code && NETWORK_CODES[code]) return NETWORK_CODES[code]!;
  if (e?.message === "socket hang up") return "the server closed the connection without an answer";
  const msg = e?.message ?? String(err);
  return code && !msg.includes(code) ? `${msg} (${code})` : msg;
}

/** Sends one request. Never throws: a failure to get a response is classified as timeout or network. */
export function send(req: HttpRequest): Promise<HttpOutcome> {
  const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const where = describeUrl(req.url);
  const clean = (s: string) => redact(s, req.secrets);
  return new Promise<HttpOutcome>((resolve) => {
    let settled = false;
    let status = 0;
    let headers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    let size = 0;
    let gotResponse = false;
    const finish = (outcome: HttpOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.signal?.removeEventListener("abort", onAbort);
      resolve(outcome);
    };
    const response = (truncated: boolean): HttpOutcome => ({
      kind: "response",
      status,
      headers,
      body: Buffer.concat(chunks).toString("utf8"),
      truncated,
    });
    const send = req.url.protocol === "https:" ? httpsRequest : httpRequest;
    const body = req.body === undefined ? undefined : Buffer.from(req.body, "utf8");
    const outgoing = send(
      req.url,
      {
        method: req.method,
        headers: { ...req.headers, ...(body ? { "content-length": String(body.length) } : {}) },
      },
      (res) => {
        gotResponse = true;
        status = res.statusCode ?? 0;
        headers = res.headers;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            finish(response(true));
            outgoing.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on("end", () => finish(response(false)));
        // a connection dropped mid-body: what arrived, marked as cut off
        res.on("aborted", () => finish(response(true)));
        res.on("error", () => finish(response(true)));
        res.on("close", () => finish(response(!res.complete)));
      },
    );
    const timer = safeTimeout(() => {
      finish({
        kind: "timeout",
        message: gotResponse ? `no complete answer from ${where} within ${timeoutMs} ms` : `no answer from ${where} within ${timeoutMs} ms`,
      });
      outgoing.destroy();
    }, timeoutMs);
    const onAbort = () => {
      finish({ kind: "network", message: `request to ${where} was cancelled` });
      outgoing.destroy();
    };
    if (req.signal?.aborted) onAbort();
    else req.signal?.addEventListener("abort", onAbort, { once: true });
    outgoing.on("error", (err) => {
      if (gotResponse) finish(response(true));
      else finish({ kind: "network", message: clean(`cannot reach ${where}: ${describeError(err)}`) });
    });
    outgoing.end(body);
  });
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
