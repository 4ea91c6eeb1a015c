/** Shared helpers for turning an HTTP outcome into a BalanceResult. */
import { type HttpOutcome, headerValue, retryAfterMs } from "../http.ts";
import type { FailureReason } from "../reasons.ts";
import { redact } from "../redact.ts";
import { MAX_CODE_CHARS, untrustedText } from "../untrusted-text.ts";
import { type CodeTable, cooldownForReason, normaliseCode, reasonForCode } from "./error-codes.ts";
import type { BalanceFailure, BalanceOk } from "./types.ts";

/**
 * A provider's answer as the parsers read it (an HttpOutcome of kind "response" is one): the HTTP
 * status, the body text, and whether the body stopped early (dropped mid-body or over the size cap;
 * absent = read in full).
 */
export interface Answer {
  readonly status: number;
  readonly body: string;
  readonly truncated?: boolean;
}

export function failure(reason: FailureReason, message: string, extra: Partial<BalanceFailure> = {}): BalanceFailure {
  return { ok: false, reason, message, ...extra };
}

/**
 * The largest balance, either sign, taken as an account's balance: a trillion of any currency is no
 * CAPTCHA account. Beyond it a hostile or broken provider (1e308, then -1e308) would drive the spend
 * counters to +Inf; within it they stay finite for any number of checks.
 */
export const MAX_ABS_BALANCE = 1e12;

/** A balance value as a finite number within ±MAX_ABS_BALANCE, from a JSON number or a numeric string; undefined otherwise. */
export function toBalance(value: unknown): number | undefined {
  let n: number | undefined;
  if (typeof value === "number") n = value;
  else if (typeof value === "string" && /^\s*-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/.test(value)) n = Number(value);
  return n !== undefined && Number.isFinite(n) && Math.abs(n) <= MAX_ABS_BALANCE ? n : undefined;
}

/** The failure for a success answer whose balance toBalance() refused. */
export function notABalance(value: unknown): BalanceFailure {
  return failure("malformed", `the provider reported a balance that is not a number within ±1e12: ${JSON.stringify(oneLine(String(value), 40))}`);
}

/** A failure named by the provider's error code. */
export function codeFailure(rawCode: string, banCooldownMs: number, description?: string, own?: CodeTable): BalanceFailure {
  const code = normaliseCode(rawCode);
  const reason = reasonForCode(rawCode, own);
  const cooldown = cooldownForReason(reason, banCooldownMs);
  const desc = description ? `: ${oneLine(description, 160)}` : "";
  return failure(reason, `the provider answered ${code}${desc}`, {
    code,
    ...(cooldown !== undefined ? { retryAfterMs: cooldown } : {}),
  });
}

export function oneLine(text: string, max = 120): string {
  const s = text.replace(/\s+/g, " ").trim();
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

export function looksLikeHtml(body: string): boolean {
  return /^\s*(<!doctype html|<html|<head|<body|<\?xml|<h1|<title)/i.test(body);
}

function titleOf(html: string): string | undefined {
  const m = /<title[^>]*>([^<]*)<\/title>/i.exec(html) ?? /<h1[^>]*>([^<]*)<\/h1>/i.exec(html);
  return m?.[1] ? oneLine(m[1], 80) : undefined;
}

/**
 * Failures that do not depend on the body's meaning: no response, 429, and bodies that are not an
 * answer of the protocol (HTML pages, empty bodies). Returns undefined when the body should be parsed.
 */
export function transportFailure(outcome: HttpOutcome): BalanceFailure | undefined {
  if (outcome.kind === "timeout") return failure("timeout", outcome.message);
  if (outcome.kind === "network") return failure("network", outcome.message, outcome.transient === false ? { transient: false } : {});
  const { status, body } = outcome;
  if (status === 429) {
    const after = retryAfterMs(headerValue(outcome.headers, "retry-after"));
    return failure("rate_limited", "the provider answered HTTP 429 Too Many Requests", {
      code: "HTTP_429",
      ...(after !== undefined ? { retryAfterMs: after } : {}),
    });
  }
  if (looksLikeHtml(body)) {
    const title = titleOf(body);
    const what = `an HTML page${title ? ` ("${title}")` : ""} with HTTP ${status}`;
    return status >= 500
      ? failure("upstream", `the provider answered ${what}`, { code: `HTTP_${status}` })
      : failure("malformed", `expected a balance, got ${what}`, { code: `HTTP_${status}` });
  }
  if (body.trim() === "") {
    return status >= 500
      ? failure("upstream", `the provider answered HTTP ${status} with an empty body`, { code: `HTTP_${status}` })
      : failure("malformed", `expected a balance, got an empty body with HTTP ${status}`);
  }
  return undefined;
}

/** The fallback when a body was read but made no sense; `truncated` adds that it was cut off. */
export function unexpectedBody({ status, body, truncated }: Answer): BalanceFailure {
  if (status >= 500) return failure("upstream", `the provider answered HTTP ${status}: ${oneLine(body, 80)}`, { code: `HTTP_${status}` });
  const cut = truncated === true ? " (the body was cut off)" : "";
  return failure("malformed", `expected a balance, got ${JSON.stringify(oneLine(body, 80))} with HTTP ${status}${cut}`);
}

/**
 * The body as a JSON object, or the failure to report for it: a body that does not parse (cut off, if
 * it looked like an object), or JSON that is not an object, is unexpectedBody().
 */
export function jsonObjectBody(
  answer: Answer,
): { readonly ok: true; readonly json: Record<string, unknown> } | { readonly ok: false; readonly failure: BalanceFailure } {
  let json: unknown;
  try {
    json = JSON.parse(answer.body);
  } catch {
    const cutOff = answer.truncated === true || answer.body.trim().startsWith("{");
    return { ok: false, failure: unexpectedBody({ ...answer, truncated: cutOff }) };
  }
  if (!json || typeof json !== "object" || Array.isArray(json)) return { ok: false, failure: unexpectedBody(answer) };
  return { ok: true, json: json as Record<string, unknown> };
}

/**
 * One request's outcome as a BalanceResult (or, for another call of a provider, what its parser
 * reads): transport failures first, then the protocol's parser.
 * This is the edge where provider text enters: a failure is read again from the body with the
 * secrets redacted out of it first, so that nothing the parsers do (upper-casing a code, cutting an
 * excerpt, quoting) ever sees a secret; then its message and code are made safe to print
 * (core/untrusted-text.ts: control and bidi characters removed, redacted again, bounded).
 */
export function interpretOutcome<T extends { readonly ok: true } = BalanceOk>(
  outcome: HttpOutcome,
  parse: (answer: Answer) => T | BalanceFailure,
  secrets: string | readonly string[],
): T | BalanceFailure {
  const list = typeof secrets === "string" ? [secrets] : secrets;
  const read = (o: HttpOutcome): T | BalanceFailure =>
    o.kind === "response" ? (transportFailure(o) ?? parse(o)) : transportFailure(o)!;
  const result = read(outcome);
  if (result.ok) return result;
  const clean = outcome.kind === "response" ? read({ ...outcome, body: redact(outcome.body, list) }) : result;
  return safeFailure(clean.ok ? result : clean, list);
}

/** A failure whose message and code are safe to print anywhere (see core/untrusted-text.ts). */
export function safeFailure(f: BalanceFailure, secrets: readonly string[]): BalanceFailure {
  return {
    ...f,
    message: untrustedText(f.message, secrets),
    ...(f.code !== undefined ? { code: untrustedText(f.code, secrets, MAX_CODE_CHARS) } : {}),
  };
}
