/**
 * What a wire protocol is: how to ask for the balance and how to read the answer. One module per
 * protocol (`legacy`: legacy.ts, `client-key`: client-key.ts, `nopecha`: nopecha-status.ts,
 * `deathbycaptcha`: dbc-user.ts); provider.ts (PROTOCOLS) makes the call through call.ts the same way for all of them
 * (one request, the key redacted, never a throw).
 */
import type { ProviderCall } from "./call.ts";
import type { CodeTable } from "./error-codes.ts";
import type { Answer } from "./parse.ts";
import type { BalanceResult } from "./types.ts";

/** The facts of a provider a parser needs. */
export interface ParseContext {
  readonly defaultCurrency: string;
  readonly banCooldownMs: number;
  /** The provider's own error codes, before the shared table. */
  readonly errorCodes?: CodeTable;
}

export interface BalanceProtocol {
  /** The request for `apiKey`'s balance against the base URL `base`. */
  request(base: string, apiKey: string): ProviderCall;
  /** Interprets an answer that transportFailure() let through. Pure. */
  parse(answer: Answer, ctx: ParseContext): BalanceResult;
}

/** A base URL that keeps its path when a relative endpoint is resolved against it. */
export function withSlash(base: string): string {
  return base.endsWith("/") ? base : `${base}/`;
}
