/**
 * Money arithmetic in integer micro-units (1e-6 of the currency unit) so that sums of many prices
 * do not drift: 0.1 + 0.2 stays 0.3. Amounts are converted once on the way in and once on the way out.
 * 2^53 micro-units is about 9 billion currency units, far beyond any CAPTCHA balance.
 */
import { currencyDecimals } from "./currency.ts";

export const MICROS_PER_UNIT = 1_000_000;

export type Micros = number & { readonly __brand: "micros" };

export function toMicros(amount: number): Micros {
  if (!Number.isFinite(amount)) throw new RangeError(`amount must be a finite number, got ${amount}`);
  return Math.round(amount * MICROS_PER_UNIT) as Micros;
}

export function fromMicros(micros: Micros): number {
  return micros / MICROS_PER_UNIT;
}

/** Multiply a price (micros) by a count of solves; exact for integer counts. */
export function timesCount(price: Micros, count: number): Micros {
  return (price * count) as Micros;
}

/** Apply a margin given in basis points (10% = 1000 bp), rounding up to the next micro-unit. */
export function withMarginBp(amount: Micros, marginBp: number): Micros {
  return Math.ceil((amount * (10_000 + marginBp)) / 10_000) as Micros;
}

export function sumMicros(values: Iterable<Micros>): Micros {
  let total = 0;
  for (const v of values) total += v;
  return total as Micros;
}

/** Digits after the decimal point money is kept to (micro-units). */
export const MONEY_DECIMALS = 6;

/**
 * The one rule for showing an amount of money (CLI, the action's summary and messages, the landing
 * page): the currency's precision (core/currency.ts: `12.50` USD, `1250` JPY), with the further digits
 * an amount has up to micro-units, where money is computed (a price per solve of `0.0008`), trailing
 * zeros beyond the currency's precision dropped. No thousands separators, so the text reads back as a
 * number. Machine outputs keep plain numbers (JSON, action outputs; /metrics writes `plainAmount`).
 */
export function formatAmount(amount: number, currency: string): string {
  if (!Number.isFinite(amount)) return String(amount);
  const min = currencyDecimals(currency);
  const micros = Math.round(amount * MICROS_PER_UNIT);
  // -0 and amounts that round to zero are shown as 0
  const fixed = (micros === 0 ? 0 : micros / MICROS_PER_UNIT).toFixed(MONEY_DECIMALS);
  const [whole, fraction = ""] = fixed.split(".");
  const shown = fraction.replace(/0+$/, "").padEnd(min, "0");
  return shown === "" ? whole! : `${whole}.${shown}`;
}

/** An amount with its currency: `12.50 USD`, `0.0008 USD`, `1250 JPY`, `300 credits`. */
export function formatMoney(amount: number, currency: string): string {
  return `${formatAmount(amount, currency)} ${currency}`;
}

/**
 * An amount for machines: a plain decimal to the micro-unit, exactly (`0.501`, `-12`, `24.4826`),
 * as /metrics writes money, so float noise of sums (0.8592000000000013) never shows. An amount
 * beyond 2^53 micro-units (about 9 billion) or not finite is written as JavaScript does.
 */
export function plainAmount(amount: number): string {
  const micros = Math.round(amount * MICROS_PER_UNIT);
  if (!Number.isSafeInteger(micros)) return String(amount);
  const abs = Math.abs(micros);
  const whole = Math.floor(abs / MICROS_PER_UNIT);
  const fraction = abs - whole * MICROS_PER_UNIT;
  const places = fraction === 0 ? "" : `.${String(fraction).padStart(MONEY_DECIMALS, "0").replace(/0+$/, "")}`;
  return `${micros < 0 ? "-" : ""}${whole}${places}`;
}
