import { InputError } from "./errors.ts";

/** An ISO 4217-style currency code (`usd` → `USD`); `where` names the setting in the error. */
export function parseCurrency(raw: string, where: string): string {
  const c = raw.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(c)) throw new InputError(`${where}: "${raw}" is not a currency code; expected three letters such as USD or RUB`);
  return c;
}
