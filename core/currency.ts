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
