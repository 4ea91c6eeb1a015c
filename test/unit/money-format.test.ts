import { describe, expect, it } from "vitest";
import { renderSummary } from "../../action/summary.ts";
import { currencyDecimals } from "../../core/currency.ts";
import { formatAmount, formatMoney } from "../../core/money.ts";
import { priceBatch } from "../../core/pricing.ts";
import { balanceChart, formatRate } from "../../exporter/landing.ts";

describe("money is shown with one rule: the currency's precision, more digits only where the amount has them", () => {
  it.each([
    ["USD", 2],
    ["usd", 2],
    ["RUB", 2],
    ["EUR", 2],
    ["JPY", 0],
    ["KWD", 3],
    ["credits", 0],
    ["XYZ", 2],
  ])("%s has %i decimals", (c, d) => expect(currencyDecimals(c)).toBe(d));

  it.each([
    [0, "USD", "0.00"],
    [-0, "USD", "0.00"],
    [12.5, "USD", "12.50"],
    [1234.5, "USD", "1234.50"],
    [0.003, "USD", "0.003"],
    [0.8592000000000013, "USD", "0.8592"],
    [0.1 + 0.2, "USD", "0.30"],
    [12.3456, "RUB", "12.3456"],
    [1250, "JPY", "1250"],
    [0.5, "JPY", "0.5"],
    [300, "credits", "300"],
    [1.2345, "KWD", "1.2345"],
    [1.5, "KWD", "1.500"],
    [-3.1, "USD", "-3.10"],
    [0.0000004, "USD", "0.00"],
  ])("%s %s is %s", (n, c, s) => expect(formatAmount(n, c)).toBe(s));

  it("formatMoney appends the currency", () => {
    expect(formatMoney(12.5, "USD")).toBe("12.50 USD");
    expect(formatMoney(300, "credits")).toBe("300 credits");
  });

  it("the action's summary and the landing page show the same text for the same amount", () => {
    const quote = priceBatch({ balance: 1234.5, currency: "USD", batch: [{ type: "image", count: 1 }], prices: { image: 0.001 }, marginBp: 0, reserve: 0 });
    expect(renderSummary({ kind: "checked", quote }, { provider: "capsolver", mode: "fail", onApiError: "fail" })).toContain("| Balance | 1234.50 USD |");
    const chart = balanceChart([{ t: 0, balance: 1234.5 }, { t: 3600, balance: 1000 }] as never, "USD");
    expect(chart).toContain("Balance from 1234.50 USD at 1970-01-01 00:00 UTC to 1000.00 USD at 1970-01-01 01:00 UTC.");
    expect(formatRate(1 / 3600, "USD")).toBe("1.00 USD/h");
  });
});
