import type { NetworkOptions } from "../http.ts";
import type { FailureReason } from "../reasons.ts";
import type { ProviderName } from "./catalog.ts";
import type { SpendHistoryResult } from "./spending-stats.ts";

/** A successful balance read. `balance` is always a finite number. */
export interface BalanceOk {
  readonly ok: true;
  readonly balance: number;
  /** ISO 4217 code where the provider says it, else the provider's documented currency. */
  readonly currency: string;
}

/** A failed balance read, classified. `message` never contains the API key. */
export interface BalanceFailure {
  readonly ok: false;
  readonly reason: FailureReason;
  /** Human-readable detail: the provider's error code, the HTTP status, … (redacted). */
  readonly message: string;
  /** Provider-specific code when there was one (e.g. ERROR_KEY_DOES_NOT_EXIST). */
  readonly code?: string;
  /** How long to wait before asking again, when the provider or protocol says so (ms). */
  readonly retryAfterMs?: number;
  /** False when retrying soon cannot help whatever the reason says (a TLS certificate that is not trusted). */
  readonly transient?: false;
}

export type BalanceResult = BalanceOk | BalanceFailure;

export interface BalanceRequest {
  readonly apiKey: string;
  /** Base URL override (proxies, tests); the provider's default when absent. */
  readonly apiUrl?: string;
  /** Per-request timeout in milliseconds. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** The account's own proxy and CA file, when configured. */
  readonly network?: NetworkOptions;
}

/** One provider: a name, its limits, and how to read a balance. Implementations never throw; they classify. */
export interface Provider {
  /** A built-in provider's name, or `http-json` for a generic one. */
  readonly name: ProviderName | "http-json";
  /** The base URL requests go to when the account sets none (http-json: the configured URL). */
  readonly defaultBaseUrl: string;
  readonly defaultCurrency: string;
  /** Shortest polling interval the provider tolerates for balance calls (ms). */
  readonly minPollIntervalMs: number;
  /** Default polling interval for the exporter (ms). */
  readonly defaultPollIntervalMs: number;
  /** How long a ban lasts with this provider (ms). */
  readonly banCooldownMs: number;
  getBalance(req: BalanceRequest): Promise<BalanceResult>;
  /**
   * The provider's record of the account's recent spend, hour by hour, where it has one
   * (Anti-Captcha's getSpendingStats); absent otherwise. Never throws: it classifies like getBalance.
   */
  getSpendHistory?(req: BalanceRequest): Promise<SpendHistoryResult>;
}

export { PROVIDER_NAMES, type ProviderName } from "./catalog.ts";
