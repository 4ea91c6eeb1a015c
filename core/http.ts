/**
 * The one place the project makes HTTP requests to providers. Every request has a timeout, the body
 * is capped, and nothing that describes a failure can carry the API key (see redact.ts).
 */
import { errors, request } from "undici";
import { describeUrl, redact } from "./redact.ts";

export const DEFAULT_TIMEOUT_MS = 15_000;
const MAX_BODY_BYTES = 1 << 20;

export interface HttpRequest {
  readonly method: "GET" | "POST";
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Whole-request timeout (connect, headers and body), ms. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Values that must never appear in what this returns (the API key). */
  readonly secrets: readonly string[];
}

export type HttpOutcome =
  | {
      readonly kind: "response";
      readonly status: number;
      readonly headers: Readonly<Record<string, string | string[] | undefined>>;
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
  UND_ERR_SOCKET: "connection closed by the server",
  UND_ERR_CLOSED: "connection closed",
};

function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === "object"; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && code in NETWORK_CODES) return code;
    e = (e as { cause?: unknown }).cause;
  }
  const top = (err as { code?: unknown })?.code;
  return typeof top === "string" ? top : undefined;
}

function isTimeout(err: unknown, timedOut: boolean): boolean {
  return (
    timedOut ||
    err instanceof errors.HeadersTimeoutError ||
    err instanceof errors.BodyTimeoutError ||
    err instanceof errors.ConnectTimeoutError ||
    (err as { name?: string })?.name === "TimeoutError"
  );
}

/** Sends one request. Never throws: a failure to get a response is classified as timeout or network. */
export async function send(req: HttpRequest): Promise<HttpOutcome> {
  const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const where = describeUrl(req.url);
  const timer = AbortSignal.timeout(timeoutMs);
  const signal = req.signal ? AbortSignal.any([timer, req.signal]) : timer;
  let status = 0;
  let headers: Record<string, string | string[] | undefined> = {};
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    const res = await request(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    status = res.statusCode;
    headers = res.headers;
    let truncated = false;
    try {
      for await (const chunk of res.body) {
        const buf = chunk as Buffer;
        size += buf.length;
        if (size > MAX_BODY_BYTES) {
          truncated = true;
          res.body.destroy();
          break;
        }
        chunks.push(buf);
      }
    } catch (err) {
      if (isTimeout(err, timer.aborted)) {
        return { kind: "timeout", message: `no complete answer from ${where} within ${timeoutMs} ms` };
      }
      truncated = true;
    }
    return { kind: "response", status, headers, body: Buffer.concat(chunks).toString("utf8"), truncated };
  } catch (err) {
    if (req.signal?.aborted && !timer.aborted) {
      return { kind: "network", message: `request to ${where} was cancelled` };
    }
    if (isTimeout(err, timer.aborted)) {
      return { kind: "timeout", message: `no answer from ${where} within ${timeoutMs} ms` };
    }
    const code = errorCode(err);
    const what = (code && NETWORK_CODES[code]) ?? (err as Error)?.message ?? String(err);
    return { kind: "network", message: redact(`cannot reach ${where}: ${what}${code && !NETWORK_CODES[code] ? ` (${code})` : ""}`, req.secrets) };
  }
}

export function headerValue(headers: Readonly<Record<string, string | string[] | undefined>>, name: string): string | undefined {
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
