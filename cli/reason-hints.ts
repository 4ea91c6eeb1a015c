import type { FailureReason } from "../core/reasons.ts";

/**
 * What to do about each failure reason, worded for the command line (the action words its own for its
 * inputs). A Record over the closed set of reasons: a new reason does not compile without its hint.
 */
export const CLI_REASON_HINTS: Readonly<Record<FailureReason, string>> = {
  auth: "the provider rejected the key: check CAPTCHA_API_KEY or --api-key-file, and --provider",
  no_funds: "the provider refused for lack of funds: top up the account",
  banned: "the provider has blocked this key or IP for a while: wait for the ban to lift",
  rate_limited: "the provider is rate-limiting balance requests: try again later",
  upstream: "the provider failed (server error): usually transient, try again",
  timeout: "no answer within the timeout: try again, or raise --timeout",
  network: "the provider could not be reached: check --api-url, the proxy (--proxy.url, HTTPS_PROXY) and the network",
  malformed: "the provider's answer could not be understood: check --api-url and --provider",
};

/** The failure line's tail: "reason: message (hint)". */
export function describeFailure(reason: FailureReason, message: string): string {
  return `${reason}: ${message}\n  hint: ${CLI_REASON_HINTS[reason]}`;
}
