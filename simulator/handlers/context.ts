/**
 * What every protocol handler is given and gives back. A handler recognises its protocol's requests
 * and says what to answer; it sends nothing itself and knows nothing of faults or counts: the server
 * counts balance calls, applies faults to them, and delivers every answer.
 */
import type http from "node:http";
import type { Account, AccountBook } from "../accounts.ts";
import type { BanList } from "../bans.ts";
import type { Flavour, Protocol, SimResponse } from "../protocol.ts";
import type { SolveDesk } from "../solves.ts";

export interface SimRequest {
  /** Upper case. */
  readonly method: string;
  readonly url: URL;
  readonly body: string;
  readonly headers: http.IncomingHttpHeaders;
  /** The client's address (bans are per address). */
  readonly client: string;
}

export interface ProtocolContext {
  readonly book: AccountBook;
  readonly bans: BanList;
  readonly solves: SolveDesk;
  /** The server's flavour: for accounts without one and for unknown keys. */
  readonly flavour: Flavour;
  /** Anti-Captcha's getSpendingStats: calls so far, and the error it answers instead when set. */
  readonly spendingStats: { calls: number; readonly error: string | undefined };
}

/**
 * A balance call is counted, meets the faults in force, and is answered by `answer` when its turn
 * comes (after any latency fault); any other call (a solve, the spend history) gets `response` as is.
 */
export type Handled =
  | { readonly kind: "balance"; readonly protocol: Protocol; readonly key: string; readonly json: boolean; readonly answer: () => SimResponse }
  | { readonly kind: "other"; readonly response: SimResponse };

/** Null when the request is not one of the handler's protocol. */
export type ProtocolHandler = (req: SimRequest, ctx: ProtocolContext) => Handled | null;

export function balanceCall(protocol: Protocol, key: string, json: boolean, answer: () => SimResponse): Handled {
  return { kind: "balance", protocol, key, json, answer };
}

export function other(response: SimResponse): Handled {
  return { kind: "other", response };
}

/** Whether a key check gave an answer (a refusal) rather than the account. */
export function isRefusal(v: Account | SimResponse): v is SimResponse {
  return "body" in v;
}
