/**
 * The budget gate shared by the CLI's `check` and the GitHub Action: read the balance (with retries),
 * then price the batch against it. Input errors are thrown as InputError before any request is sent.
 */
import { readBalance, type RetryInfo } from "./balance.ts";
import { type BatchLine, type BatchQuote, type DeclarePrice, effectivePrices, type PriceTable, priceBatch, requirePrices } from "./pricing.ts";
import type { NetworkOptions } from "./http.ts";
import type { BalanceFailure, Provider } from "./providers/types.ts";

export interface BudgetCheckInput {
  readonly provider: Provider;
  readonly apiKey: string;
  readonly apiUrl?: string;
  readonly network?: NetworkOptions;
  /** Currency of the balance; the provider's default when absent. */
  readonly currency?: string;
  readonly batch: readonly BatchLine[];
  readonly priceOverrides: PriceTable;
  readonly marginBp: number;
  readonly reserve: number;
  readonly retries: number;
  readonly deadlineMs: number;
  readonly baseDelayMs?: number;
  readonly onRetry?: (info: RetryInfo) => void;
  /** How the user declares a price for a type without one, in the error (e.g. `--price T=0.002`). */
  readonly declarePrice?: DeclarePrice;
}

export type BudgetCheckResult =
  | { readonly kind: "checked"; readonly quote: BatchQuote; readonly attempts: number }
  | { readonly kind: "failed"; readonly failure: BalanceFailure; readonly attempts: number };

export async function runBudgetCheck(input: BudgetCheckInput): Promise<BudgetCheckResult> {
  const currency = input.currency ?? input.provider.defaultCurrency;
  const prices = effectivePrices(input.provider.name, currency, input.priceOverrides);
  // a missing price is the user's mistake: say so before spending a request on it
  requirePrices(input.batch, prices, currency, input.declarePrice);
  const result = await readBalance(
    input.provider,
    { apiKey: input.apiKey, ...(input.apiUrl ? { apiUrl: input.apiUrl } : {}), ...(input.network ? { network: input.network } : {}) },
    {
      retries: input.retries,
      deadlineMs: input.deadlineMs,
      ...(input.baseDelayMs !== undefined ? { baseDelayMs: input.baseDelayMs } : {}),
      ...(input.onRetry ? { onRetry: input.onRetry } : {}),
    },
  );
  if (!result.ok) {
    const { attempts, ...failure } = result;
    return { kind: "failed", failure, attempts };
  }
  const quote = priceBatch({
    balance: result.balance,
    currency,
    batch: input.batch,
    prices,
    marginBp: input.marginBp,
    reserve: input.reserve,
  });
  return { kind: "checked", quote, attempts: result.attempts };
}
