/**
 * What one run of the gate found, and what it means for the job. Pure.
 */
import { formatMoney } from "../core/money.ts";
import type { BatchQuote } from "../core/pricing.ts";
import type { ProviderName } from "../core/providers/types.ts";
import type { FailureReason } from "../core/reasons.ts";
import type { Mode, OnApiError } from "./inputs.ts";

export type Outcome =
  /**
   * The balance was read and the batch priced; `illustrative`: the batch's types priced with a
   * built-in illustrative figure (the provider publishes none; core/pricing.ts illustrativePriceTypes).
   */
  | { readonly kind: "checked"; readonly quote: BatchQuote; readonly illustrative?: readonly string[] }
  /** The balance could not be read (after retries where they could help). */
  | { readonly kind: "unreadable"; readonly reason: FailureReason; readonly message: string; readonly attempts: number };

/** How the job ends: `fail` sets a failing exit code, `warn` annotates, `pass` only reports. */
export type JobEffect = "pass" | "warn" | "fail";

export interface Verdict {
  readonly status: "covered" | "short" | "unreadable";
  readonly effect: JobEffect;
  /** Annotation title (for warn/fail). */
  readonly title: string;
  /** One sentence for the annotation and the summary's headline. */
  readonly message: string;
}

export interface VerdictContext {
  readonly provider: ProviderName;
  readonly mode: Mode;
  readonly onApiError: OnApiError;
}

/** What to do about each failure reason, in a few words. */
export const REASON_HINTS: Readonly<Record<FailureReason, string>> = {
  auth: "the provider rejected the API key: check the api-key secret and the provider input",
  no_funds: "the provider refused for lack of funds: top up the account",
  banned: "the provider has temporarily blocked this key or IP: wait for the ban to lift",
  rate_limited: "the provider is rate-limiting balance requests: try again later",
  upstream: "the provider failed (server error): usually transient, re-run the job",
  timeout: "no answer within the timeout: re-run, or raise the timeout input",
  network: "the provider could not be reached: check api-url and the runner's network",
  malformed: "the provider's answer could not be understood: check api-url and the provider input",
};


/** `1234567` → `1,234,567` (without Intl: loading ICU data costs the action ~10 ms of start-up). */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function judge(outcome: Outcome, ctx: VerdictContext): Verdict {
  if (outcome.kind === "unreadable") {
    const effect: JobEffect = ctx.onApiError;
    const tail = effect === "fail" ? "" : ` (on-api-error: ${effect})`;
    return {
      status: "unreadable",
      effect,
      title: `CAPTCHA balance could not be read (${outcome.reason})`,
      message: `Could not read the ${ctx.provider} balance after ${outcome.attempts} attempt${outcome.attempts === 1 ? "" : "s"}: ${outcome.message} (${outcome.reason}). ${capitalise(REASON_HINTS[outcome.reason])}${tail}.`,
    };
  }
  const q = outcome.quote;
  if (q.covered) {
    return {
      status: "covered",
      effect: "pass",
      title: "CAPTCHA balance covers the batch",
      message: `Balance ${formatMoney(q.balance, q.currency)} covers the batch: ${formatMoney(q.required, q.currency)} required.`,
    };
  }
  return {
    status: "short",
    effect: ctx.mode,
    title: "CAPTCHA balance too low for the batch",
    message: `Balance ${formatMoney(q.balance, q.currency)} cannot cover the batch: ${formatMoney(q.required, q.currency)} required, ${formatMoney(q.shortfall, q.currency)} short${ctx.mode === "warn" ? " (mode: warn)" : ""}.`,
  };
}
