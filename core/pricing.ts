/**
 * Prices per solve and the budget maths of a batch. Pure functions; money in integer micro-units
 * (core/money.ts) so sums do not drift, converted back to numbers once, in the result.
 */
import { InputError } from "./errors.ts";
import { parseCount } from "./count.ts";
import { fromMicros, type Micros, MONEY_DECIMALS, sumMicros, timesCount, toMicros, withMarginBp } from "./money.ts";
import { closestMatch } from "./edit-distance.ts";
import { DEFINITIONS, getDefinition, isProviderName } from "./providers/catalog.ts";

/** Price of one solve per CAPTCHA type, in the currency of the account's balance. */
export type PriceTable = Readonly<Record<string, number>>;

/** The currency the built-in default prices are quoted in. */
export const DEFAULT_PRICE_CURRENCY = "USD";

// Illustrative per-solve prices (USD), typical of the market in 2025 but no provider's list price.
// Used where a provider publishes no figure (CaptchaAI bills by monthly thread plans): declare your own.
const SEED_PRICES: PriceTable = {
  recaptcha_v2: 0.003,
  recaptcha_v3: 0.004,
  turnstile: 0.002,
  geetest: 0.003,
  image: 0.001,
  bls: 0.002,
};

/**
 * Built-in defaults, USD per solve: each provider's definition (core/providers/services/*.ts) lists its
 * published figures with source and date; types without one fall back to SEED_PRICES. Where a provider
 * publishes a range its definition takes the upper end, since a budget gate that under-prices lets a
 * batch start that the balance cannot finish. Providers that sell credits have no defaults.
 */
export function defaultPrices(provider: string): PriceTable {
  if (!isProviderName(provider)) return {};
  const def = getDefinition(provider);
  if (def.defaultCurrency.toUpperCase() === "CREDITS") return {};
  const own: Record<string, number> = {};
  for (const [type, price] of Object.entries(def.prices)) own[type] = price.usd;
  return { ...SEED_PRICES, ...own };
}

/**
 * The types of `types` whose price in `prices` is a built-in illustrative one (SEED_PRICES, where the
 * provider publishes none, e.g. CaptchaAI, which bills by thread plans): not the provider's published
 * figure, not in `declared` (the user's own) and equal to the seed figure (an accounts file's price
 * that differs from it is the user's).
 */
export function illustrativePriceTypes(provider: string, prices: PriceTable, declared: PriceTable, types: readonly string[]): string[] {
  if (!isProviderName(provider)) return [];
  const published = getDefinition(provider).prices;
  return types.filter((t) => declared[t] === undefined && published[t] === undefined && SEED_PRICES[t] !== undefined && prices[t] === SEED_PRICES[t]);
}

/** Every CAPTCHA type a built-in price is known for, with any provider. */
export const KNOWN_CAPTCHA_TYPES: readonly string[] = [...new Set([...Object.keys(SEED_PRICES), ...DEFINITIONS.flatMap((d) => Object.keys(d.prices))])].sort();

/** Canonical spelling of a CAPTCHA type: lower case, `-` and spaces as `_` (`reCAPTCHA-v2` → `recaptcha_v2`). */
export function normaliseType(raw: string): string {
  return raw.trim().toLowerCase().replace(/[\s-]+/g, "_");
}

const TYPE_PATTERN = /^[a-z0-9][a-z0-9_.]{0,63}$/;

/**
 * The one validator of a CAPTCHA type name, wherever it is written (a batch, price overrides on the
 * command line, in the action or in the accounts file): normalised, then letters, digits, `_` and `.`,
 * at most 64 characters.
 */
export function parseCaptchaType(type: string, where: string): string {
  const t = normaliseType(type);
  if (!TYPE_PATTERN.test(t)) {
    const shown = JSON.stringify(type.length > 40 ? `${type.slice(0, 40)}…` : type);
    throw new InputError(`${where}: ${shown} is not a CAPTCHA type (expected a name of letters, digits, _ or ., up to 64 characters, such as recaptcha_v2, turnstile, image)`);
  }
  return t;
}

/**
 * A likely intended spelling of a CAPTCHA type that has no price (`recaptcha_v22` → `recaptcha_v2`):
 * the closest of the known types and `also` by edit distance (core/edit-distance.ts), if close enough.
 */
export function suggestCaptchaType(type: string, also: Iterable<string> = []): string | undefined {
  return closestMatch(normaliseType(type), new Set([...KNOWN_CAPTCHA_TYPES, ...also]));
}

/** Splits `A=1,B=2` or multi-line `A: 1` lists into trimmed, non-empty `[key, value, raw]` entries. */
function splitPairs(spec: string, what: string, value: string, example: string): Array<[string, string, string]> {
  const out: Array<[string, string, string]> = [];
  for (const raw of spec.split(/[\n,;]/)) {
    const item = raw.replace(/#.*$/, "").trim();
    if (item === "") continue;
    const m = /^([^=:]+)[=:](.*)$/.exec(item);
    if (!m) throw new InputError(`${what}: "${item}" is not of the form TYPE=${value} (or TYPE: ${value}), e.g. ${example}`);
    out.push([m[1]!.trim(), m[2]!.trim(), item]);
  }
  return out;
}

export interface BatchLine {
  readonly type: string;
  readonly count: number;
}

/**
 * Parses a batch declaration: `recaptcha_v2=1000,image=500`, or one `TYPE: COUNT` per line.
 * Counts are whole numbers ≥ 0 (`_` allowed as a thousands separator); a type may appear once.
 */
export function parseBatch(spec: string, where = "batch"): BatchLine[] {
  const lines: BatchLine[] = [];
  const seen = new Set<string>();
  for (const [rawType, rawCount] of splitPairs(spec, where, "COUNT", "recaptcha_v2=1000")) {
    const type = parseCaptchaType(rawType, where);
    const count = parseCount(rawCount, `${where}: count for ${type}`, Number.MAX_SAFE_INTEGER, "solves");
    if (seen.has(type)) throw new InputError(`${where}: ${type} is listed twice; list each CAPTCHA type once`);
    seen.add(type);
    lines.push({ type, count });
  }
  if (lines.length === 0) throw new InputError(`${where}: empty; expected TYPE=COUNT, e.g. recaptcha_v2=1000`);
  return lines;
}

/** Significant decimal places of a number written `12.340`, `.5` or `1e-7` (trailing zeros do not count). */
function decimalPlaces(text: string): number {
  const [mantissa = "", exponent = "0"] = text.toLowerCase().split("e");
  const fraction = (mantissa.split(".")[1] ?? "").replace(/0+$/, "");
  return Math.max(0, fraction.length - Number(exponent));
}

/** Decimal places money is computed with (micro-units, core/money.ts). */
export const AMOUNT_DECIMALS = MONEY_DECIMALS;

/**
 * The one validator of an amount of money (a reserve, a price): a non-negative decimal number such as
 * 5 or 0.25 — from text, or a number from the accounts file — with at most AMOUNT_DECIMALS decimal
 * places, since money is computed in millionths; finer amounts are refused rather than rounded.
 */
export function parseAmount(raw: string | number, what: string): number {
  let n: number;
  if (typeof raw === "number") {
    if (!Number.isFinite(raw) || raw < 0) throw new InputError(`${what}: ${raw} is not an amount; expected a non-negative number such as 5 or 0.25`);
    n = raw;
  } else {
    const s = raw.trim();
    if (!/^\d+(\.\d+)?$|^\.\d+$/.test(s)) {
      throw new InputError(`${what}: "${raw}" is not an amount; expected a non-negative number such as 5 or 0.25`);
    }
    n = Number(s);
    if (!Number.isFinite(n)) throw new InputError(`${what}: "${raw}" is not a finite amount`);
  }
  if (decimalPlaces(typeof raw === "number" ? String(raw) : raw.trim()) > AMOUNT_DECIMALS) {
    throw new InputError(
      `${what}: ${raw} has more than ${AMOUNT_DECIMALS} decimal places; amounts are computed in millionths (0.000001 at the smallest), and a finer one would be rounded`,
    );
  }
  return n;
}

/** The one validator of a price per solve: an amount (see parseAmount) greater than 0. */
export function parsePrice(raw: string | number, what: string): number {
  const price = parseAmount(raw, what);
  if (price <= 0) throw new InputError(`${what}: must be more than 0 (a price per solve), got ${raw}`);
  return price;
}

/** Parses price overrides `TYPE=PRICE[,TYPE=PRICE…]` (price per solve, in the account's currency). */
export function parsePrices(spec: string, where = "prices"): PriceTable {
  const out: Record<string, number> = {};
  for (const [rawType, rawPrice] of splitPairs(spec, where, "PRICE", "recaptcha_v2=0.003")) {
    const type = parseCaptchaType(rawType, where);
    out[type] = parsePrice(rawPrice, `price of ${type}`);
  }
  return out;
}

/** The largest safety margin accepted, in percent. */
export const MAX_MARGIN_PERCENT = 1000;

/**
 * Parses a safety margin into basis points: `10%` → 1000. A bare number is a percentage (`10` = 10%),
 * except a fraction below 1 (`0.1`), which is refused as ambiguous. From 0% to MAX_MARGIN_PERCENT, in
 * steps of 0.01% (one basis point).
 */
export function parseMargin(raw: string, where = "safety margin"): number {
  const s = raw.trim();
  const expected = `expected a percentage from 0% to ${MAX_MARGIN_PERCENT}%, e.g. 10%`;
  if (/^-\s*\d/.test(s)) throw new InputError(`${where}: "${raw}" is negative; ${expected}`);
  const m = /^(\d+(?:\.\d+)?)\s*(%?)$/.exec(s);
  if (!m) throw new InputError(`${where}: "${raw}" is not a percentage; ${expected}`);
  const value = Number(m[1]);
  if (m[2] === "" && value > 0 && value < 1) {
    throw new InputError(`${where}: "${raw}" is ambiguous; write it as a percentage, e.g. ${value * 100}% or ${value}%`);
  }
  if (value > MAX_MARGIN_PERCENT) throw new InputError(`${where}: ${s} is over the limit of ${MAX_MARGIN_PERCENT}%; ${expected}`);
  if ((m[1]!.split(".")[1] ?? "").length > 2) {
    throw new InputError(`${where}: ${s} has more than 2 decimal places; margins are counted in hundredths of a percent`);
  }
  return Math.round(value * 100);
}

/**
 * The prices that apply to an account: the user's overrides on top of the provider's defaults, the
 * defaults only when the balance is in the currency they are quoted in.
 */
export function effectivePrices(provider: string, currency: string, overrides: PriceTable = {}): PriceTable {
  const base = currency.toUpperCase() === DEFAULT_PRICE_CURRENCY ? defaultPrices(provider) : {};
  return { ...base, ...overrides };
}

export interface QuoteLine {
  readonly type: string;
  readonly count: number;
  readonly unitPrice: number;
  readonly cost: number;
}

export interface BatchQuote {
  readonly balance: number;
  readonly currency: string;
  readonly lines: readonly QuoteLine[];
  /** Cost of the batch at the prices, before margin. */
  readonly subtotal: number;
  readonly marginPercent: number;
  /** The margin's amount: subtotal × margin, rounded up. */
  readonly marginAmount: number;
  readonly reserve: number;
  /** subtotal + margin + reserve: what the balance must hold for the batch to start. */
  readonly required: number;
  /** How much is missing: max(0, required − balance). */
  readonly shortfall: number;
  readonly covered: boolean;
  /** Per type: solves the balance above the reserve pays for, that type alone, at its price. */
  readonly solvesRemaining: Readonly<Record<string, number>>;
}

export interface QuoteInput {
  readonly balance: number;
  readonly currency: string;
  readonly batch: readonly BatchLine[];
  readonly prices: PriceTable;
  /** Safety margin in basis points (10% = 1000). */
  readonly marginBp: number;
  readonly reserve: number;
}

/** How the caller's user declares a price for `type` (the CLI's --price, the action's prices input). */
export type DeclarePrice = (type: string) => string;

const DECLARE_PRICE: DeclarePrice = (type) => `a price override such as ${type}=0.002`;

/**
 * Throws InputError naming every type of the batch that has no price, with a likely intended spelling
 * of a misspelt one and how to declare a price for a type that has none.
 */
export function requirePrices(batch: readonly BatchLine[], prices: PriceTable, currency: string, declare: DeclarePrice = DECLARE_PRICE): void {
  const missing = batch.filter((l) => prices[l.type] === undefined).map((l) => l.type);
  if (missing.length === 0) return;
  const known = Object.keys(prices).sort().join(", ") || "none";
  const hint =
    currency.toUpperCase() === DEFAULT_PRICE_CURRENCY
      ? ""
      : ` (the account's balance is in ${currency}; built-in prices are in ${DEFAULT_PRICE_CURRENCY} and do not apply)`;
  const guesses = missing.map((t) => [t, suggestCaptchaType(t, Object.keys(prices))] as const).filter((g) => g[1] !== undefined);
  const meant = guesses.length === 0 ? "." : ` — did you mean ${guesses.map(([t, g]) => (missing.length > 1 ? `${g} (for ${t})` : g)).join(", ")}?`;
  throw new InputError(
    `no price for CAPTCHA type ${missing.join(", ")}${hint}${meant} For a type without a built-in price, declare it with ${declare(missing[0]!)} (known types: ${known})`,
  );
}

/** Prices a batch against a balance. Pure; throws InputError when a type has no price. */
export function priceBatch(input: QuoteInput): BatchQuote {
  requirePrices(input.batch, input.prices, input.currency);
  const lines = input.batch.map((l) => {
    const unit = toMicros(input.prices[l.type]!);
    return { type: l.type, count: l.count, unit, cost: timesCount(unit, l.count) };
  });
  const subtotal = sumMicros(lines.map((l) => l.cost));
  const withMargin = withMarginBp(subtotal, input.marginBp);
  const reserve = toMicros(input.reserve);
  const required = (withMargin + reserve) as Micros;
  const balance = toMicros(input.balance);
  const shortfall = Math.max(0, required - balance) as Micros;
  return {
    balance: fromMicros(balance),
    currency: input.currency,
    lines: lines.map((l) => ({ type: l.type, count: l.count, unitPrice: fromMicros(l.unit), cost: fromMicros(l.cost) })),
    subtotal: fromMicros(subtotal),
    marginPercent: input.marginBp / 100,
    marginAmount: fromMicros((withMargin - subtotal) as Micros),
    reserve: fromMicros(reserve),
    required: fromMicros(required),
    shortfall: fromMicros(shortfall),
    covered: balance >= required,
    solvesRemaining: solvesRemaining(Math.max(0, input.balance - input.reserve), input.prices),
  };
}

/** Per type: how many solves `balance` pays for at its price (floor; 0 for a non-positive balance). */
export function solvesRemaining(balance: number, prices: PriceTable): Record<string, number> {
  const b = Math.max(0, toMicros(balance));
  const out: Record<string, number> = {};
  for (const [type, price] of Object.entries(prices)) {
    const p = toMicros(price);
    if (p > 0) out[type] = Math.floor(b / p);
  }
  return out;
}
