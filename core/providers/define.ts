/**
 * What a provider is, as data: one module per service under services/ holds every fact about it (its
 * protocol, default URL, currency, poll limits, ban cool-down, documented error codes, default prices
 * with their sources, and how the simulator imitates it). The registry, the price table, the simulator,
 * `--help`, docs/providers.md's provider table and action.yml's description are derived from these modules
 * or checked against them by tests (test/unit/provider-definitions.test.ts). See docs/providers.md.
 */
import type { FailureReason } from "../reasons.ts";

/** The wire protocols the built-in providers speak (see protocol.ts; provider.ts maps each to its module). */
export const PROTOCOL_NAMES = ["legacy", "client-key", "nopecha", "deathbycaptcha"] as const;
export type ProtocolName = (typeof PROTOCOL_NAMES)[number];

/** A fact's source: where it is written, and when we read it there. */
export interface Citation {
  readonly source: string;
  /** ISO date (YYYY-MM or YYYY-MM-DD) the source was read. */
  readonly checked: string;
}

/** A default price per solve, in USD, with where it comes from. */
export interface CitedPrice extends Citation {
  readonly usd: number;
}

/** How the simulator imitates the provider where providers of one protocol differ. */
export interface SimulatorTraits {
  /** The error code answered for a key the provider does not know. */
  readonly badKeyCode: string;
  /** The error code answered while the client's IP is banned. */
  readonly banCode: string;
  /** Numeric ids of codes (client-key `errorId`, NopeCHA `error`); unlisted codes get 1. */
  readonly errorIds?: Readonly<Record<string, number>>;
  /** HTTP status of an error answer (default 200). */
  readonly errorStatus?: (code: string) => number;
  /** Extra fields of a success answer (client-key protocol). */
  readonly successExtras?: Readonly<Record<string, unknown>>;
  /** Digits after the decimal point of a balance, unless the account sets them (default 4). */
  readonly decimals?: number;
}

export interface ProviderDefinition<N extends string = string> {
  /** The `--provider` name and the `provider` label. */
  readonly name: N;
  /** The service's own spelling, for documentation. */
  readonly title: string;
  readonly protocol: ProtocolName;
  readonly defaultBaseUrl: string;
  /** ISO 4217 code, or `credits` for services that sell credits rather than money. */
  readonly defaultCurrency: string;
  /** What the currency column of the README says beyond the code (e.g. "the account's own"). */
  readonly currencyNote?: string;
  /** The balance on the wire divided by this is in `defaultCurrency` (DeathByCaptcha: cents → 100). */
  readonly balanceDivisor?: number;
  /** Shortest polling interval the provider tolerates for balance calls (ms). */
  readonly minPollIntervalMs: number;
  /** Default polling interval for the exporter (ms). */
  readonly defaultPollIntervalMs: number;
  /** Why these intervals (README). */
  readonly intervalReason: string;
  /** How long a ban lasts with this provider (ms). */
  readonly banCooldownMs: number;
  /** The provider's documented error codes and what each means to us (merged over the shared table). */
  readonly errorCodes: Readonly<Record<string, FailureReason>>;
  /** Default prices per solve (USD), by CAPTCHA type; types not listed fall back to the seed prices. */
  readonly prices: Readonly<Record<string, CitedPrice>>;
  /** Where the balance endpoint, its shapes and the codes above are documented. */
  readonly docs: readonly Citation[];
  readonly simulator: SimulatorTraits;
  /**
   * Where the provider documents an hourly spend-history endpoint (Anti-Captcha's getSpendingStats,
   * core/providers/spending-stats.ts); absent for providers without one.
   */
  readonly spendingStats?: Citation;
}

/** Declares a provider; keeps its name a literal type so the registry knows every name. */
export function defineProvider<const N extends string>(definition: ProviderDefinition<N>): ProviderDefinition<N> {
  return definition;
}

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
