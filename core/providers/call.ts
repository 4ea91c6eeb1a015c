/**
 * One call to a provider for an account: the request sent through core/http.ts with the account's
 * timeout, abort signal, proxy and CA, the key among the secrets, and the answer read by `parse` through
 * interpretOutcome() (transport failures first, the key redacted before any provider text is kept).
 * Every provider call goes through here: the balance of each protocol, http-json, getSpendingStats.
 */
import { type HttpRequest, send } from "../http.ts";
import { type Answer, interpretOutcome } from "./parse.ts";
import type { BalanceFailure, BalanceRequest } from "./types.ts";

/** What a protocol decides about a request; the account's settings are added by callProvider. */
export type ProviderCall = Pick<HttpRequest, "method" | "url" | "headers" | "body">;

export async function callProvider<T extends { readonly ok: true }>(
  call: ProviderCall,
  req: BalanceRequest,
  parse: (answer: Answer) => T | BalanceFailure,
): Promise<T | BalanceFailure> {
  const outcome = await send({
    ...call,
    timeoutMs: req.timeoutMs,
    signal: req.signal,
    secrets: [req.apiKey],
    ...(req.network ? { network: req.network } : {}),
  });
  return interpretOutcome(outcome, parse, req.apiKey);
}
