import { InputError } from "./errors.ts";

/** The unit of services that sell credits rather than money (NopeCHA), and of http-json accounts that say so. */
export const CREDITS = "credits";

/**
 * An ISO 4217-style currency code (`usd` → `USD`), or `credits` for a balance counted in a service's
 * credits; `where` names the setting in the error.
 */
export function parseCurrency(raw: string, where: string): string {
  if (raw.trim().toLowerCase() === CREDITS) return CREDITS;
  const c = raw.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(c)) {
    throw new InputError(`${where}: "${raw}" is not a currency code; expected three letters such as USD or RUB, or "credits"`);
  }
  return c;
}

// ISO 4217 minor units of the currencies that do not have two: the digits after the decimal point
// a currency is written with (ISO 4217, list one, "Minor unit" column; read 2026-12).
const MINOR_UNITS: Readonly<Record<string, number>> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
};

/**
 * The precision of a currency: digits after the decimal point of its minor unit (ISO 4217; 2 for USD,
 * EUR, RUB, CNY; 0 for JPY), 0 for credits, 2 for a code the table does not know.
 */
export function currencyDecimals(currency: string): number {
  const c = currency.trim().toUpperCase();
  if (c === CREDITS.toUpperCase()) return 0;
  return MINOR_UNITS[c] ?? 2;
}
