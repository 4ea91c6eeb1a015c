/**
 * Money arithmetic in integer micro-units (1e-6 of the currency unit) so that sums of many prices
 * do not drift: 0.1 + 0.2 stays 0.3. Amounts are converted once on the way in and once on the way out.
 * 2^53 micro-units is about 9 billion currency units, far beyond any CAPTCHA balance.
 */
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
