/**
 * The action's inputs, read and validated in one place. Every bad value becomes an InputError whose
 * message names the input and what was expected; nothing here touches the network.
 */
import { checkKey, parseApiUrl } from "../core/config.ts";
import { MAX_RETRIES, parseCount, parseRetries } from "../core/count.ts";
import { parseCurrency } from "../core/currency.ts";
import { MAX_CHECK_TIMEOUT_MS } from "../core/delays.ts";
import { parseCheckTimeout } from "../core/duration.ts";
import { InputError } from "../core/errors.ts";
import { type BatchLine, normaliseType, parseAmount, parseBatch, parseMargin, parsePrices, type PriceTable } from "../core/pricing.ts";
import { isProviderName } from "../core/providers/registry.ts";
import { PROVIDER_NAMES, type ProviderName } from "../core/providers/types.ts";

export const MODES = ["fail", "warn"] as const;
export type Mode = (typeof MODES)[number];

export const ON_API_ERROR = ["fail", "warn", "pass"] as const;
export type OnApiError = (typeof ON_API_ERROR)[number];

export interface TrackingIssueConfig {
  readonly token: string;
  readonly labels: readonly string[];
}

export interface ActionInputs {
  readonly apiKey: string;
  readonly provider: ProviderName;
  readonly apiUrl?: string;
  /** The balance's currency when it is not the provider's default (a RuCaptcha account in USD). */
  readonly currency?: string;
  readonly batch: readonly BatchLine[];
  readonly prices: PriceTable;
  readonly marginBp: number;
  readonly reserve: number;
  readonly mode: Mode;
  readonly onApiError: OnApiError;
  /** Overall budget for reading the balance, every retry and wait included (ms). */
  readonly timeoutMs: number;
  /** Retries after the first attempt, for transient failures only. */
  readonly retries: number;
  /** Present when `tracking-issue: true`. */
  readonly trackingIssue?: TrackingIssueConfig;
}

/** Defaults, as in action.yml; applied here too so the logic does not depend on the runner. */
export const DEFAULTS = {
  provider: "captchaai",
  "safety-margin": "10%",
  reserve: "0",
  mode: "fail",
  "on-api-error": "fail",
  timeout: "30s",
  retries: "2",
  "tracking-issue": "false",
  "tracking-issue-labels": "captcha-runway",
} as const;

export const MAX_TIMEOUT_MS = MAX_CHECK_TIMEOUT_MS;
export { MAX_RETRIES };

/** Reads one input as the runner passes it (empty string when unset). */
export type GetInput = (name: string) => string;

function bad(input: string, detail: string): InputError {
  return new InputError(`Input "${input}": ${detail}`);
}

/** Re-labels an InputError from core with the input's name (dropping core's own prefix). */
function relabel<T>(input: string, prefix: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof InputError) {
      const msg = err.message.startsWith(`${prefix}: `) ? err.message.slice(prefix.length + 2) : err.message;
      throw bad(input, msg);
    }
    throw err;
  }
}

function oneOf<T extends string>(input: string, raw: string, allowed: readonly T[]): T {
  const v = raw.trim().toLowerCase();
  if ((allowed as readonly string[]).includes(v)) return v as T;
  throw bad(input, `"${raw}" is not one of ${allowed.join(", ")}`);
}

function parseBool(input: string, raw: string): boolean {
  const v = raw.trim();
  if (["true", "True", "TRUE"].includes(v)) return true;
  if (["false", "False", "FALSE"].includes(v)) return false;
  throw bad(input, `"${raw}" is not a boolean; expected true or false`);
}

function parseBatchInputs(get: GetInput): BatchLine[] {
  const batch = get("batch").trim();
  const size = get("batch-size").trim();
  const type = get("captcha-type").trim();
  if (batch && (size || type)) {
    throw bad("batch", `set either batch or the pair batch-size + captcha-type, not both`);
  }
  if (batch) return relabel("batch", "batch", () => parseBatch(batch));
  if (!size && !type) {
    throw new InputError(`Input "batch" is required: declare the batch as TYPE: COUNT lines (e.g. "recaptcha_v2: 1000"), or set batch-size and captcha-type`);
  }
  if (!size) throw bad("batch-size", `is required with captcha-type; expected the number of solves, e.g. 1000`);
  if (!type) throw bad("captcha-type", `is required with batch-size; expected a CAPTCHA type such as recaptcha_v2`);
  const count = parseCount(size, 'Input "batch-size"', Number.MAX_SAFE_INTEGER, "solves");
  // parseBatch validates the type's spelling the same way as for `batch`
  const [line] = relabel("captcha-type", "batch", () => parseBatch(`${normaliseType(type)}=${count}`));
  return [line!];
}

function parseLabels(raw: string): string[] {
  const labels = [...new Set(raw.split(/[\n,]/).map((l) => l.trim()).filter((l) => l !== ""))];
  if (labels.length === 0) throw bad("tracking-issue-labels", "is empty; expected at least one label, e.g. captcha-runway");
  for (const l of labels) if (l.length > 50) throw bad("tracking-issue-labels", `"${l}" is longer than 50 characters`);
  return labels;
}

/**
 * Reads and validates every input. `env` supplies GITHUB_REPOSITORY for the tracking-issue check.
 * Throws InputError (message names the input) on the first bad value.
 */
export function readInputs(getRaw: GetInput): ActionInputs {
  const get = (name: string): string => {
    const v = getRaw(name).trim();
    return v !== "" ? v : ((DEFAULTS as Record<string, string>)[name] ?? "");
  };
  if (!getRaw("api-key").trim()) {
    throw new InputError(`Input "api-key" is required: pass the provider's API key from a secret, e.g. api-key: \${{ secrets.CAPTCHA_API_KEY }}`);
  }
  const apiKey = checkKey(getRaw("api-key"), 'Input "api-key"');

  const providerRaw = get("provider").toLowerCase();
  if (!isProviderName(providerRaw)) throw bad("provider", `"${get("provider")}" is not a supported provider; expected one of ${PROVIDER_NAMES.join(", ")}`);
  const provider = providerRaw;
  const apiUrlRaw = get("api-url");
  // without its trailing slash, as the tracking issue's account fingerprint has always been computed
  const apiUrl = apiUrlRaw ? parseApiUrl(apiUrlRaw, 'Input "api-url"').replace(/\/$/, "") : undefined;

  const currencyRaw = get("currency");
  const currency = currencyRaw ? parseCurrency(currencyRaw, 'Input "currency"') : undefined;

  const batch = parseBatchInputs(get);
  const prices = get("prices") ? relabel("prices", "prices", () => parsePrices(get("prices"))) : {};
  const marginBp = relabel("safety-margin", "safety margin", () => parseMargin(get("safety-margin")));
  const reserve = relabel("reserve", "reserve", () => parseAmount(get("reserve"), "reserve"));
  const mode = oneOf("mode", get("mode"), MODES);
  const onApiError = oneOf("on-api-error", get("on-api-error"), ON_API_ERROR);
  const timeoutMs = parseCheckTimeout(get("timeout"), 'Input "timeout"');
  const retries = parseRetries(get("retries"), 'Input "retries"');

  let trackingIssue: TrackingIssueConfig | undefined;
  if (parseBool("tracking-issue", get("tracking-issue"))) {
    const token = getRaw("github-token").trim();
    if (!token) throw bad("github-token", `is empty, but tracking-issue is true; pass github-token: \${{ github.token }} and grant permissions: issues: write`);
    trackingIssue = { token, labels: parseLabels(get("tracking-issue-labels")) };
  }

  return {
    apiKey,
    provider,
    ...(apiUrl ? { apiUrl } : {}),
    ...(currency ? { currency } : {}),
    batch,
    prices,
    marginBp,
    reserve,
    mode,
    onApiError,
    timeoutMs,
    retries,
    ...(trackingIssue ? { trackingIssue } : {}),
  };
}
