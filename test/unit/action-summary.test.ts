import { describe, expect, it } from "vitest";
import { formatCount, judge, type Outcome } from "../../action/outcome.ts";
import { formatAmount } from "../../core/money.ts";
import { renderSummary } from "../../action/summary.ts";
import { priceBatch } from "../../core/pricing.ts";

const ctx = { provider: "capsolver", mode: "fail", onApiError: "fail" } as const;

describe("action summary", () => {
  it("says which prices are built-in illustrative ones, as captcha-runway check does, and only then", () => {
    const quote = priceBatch({
      balance: 12.5,
      currency: "USD",
      batch: [
        { type: "recaptcha_v2", count: 5000 },
        { type: "image", count: 2000 },
      ],
      prices: { recaptcha_v2: 0.0008, image: 0.001 },
      marginBp: 1000,
      reserve: 0,
    });
    const one = renderSummary({ kind: "checked", quote, illustrative: ["image"] }, ctx);
    expect(one).toContain(
      "| Note | the price of `image` is a built-in illustrative figure (CapSolver publishes none); declare yours in the `prices` input for a verdict you can rely on |",
    );
    const two = renderSummary({ kind: "checked", quote, illustrative: ["recaptcha_v2", "image"] }, { ...ctx, provider: "captchaai" });
    expect(two).toContain("| Note | the prices of `recaptcha_v2`, `image` are built-in illustrative figures (CaptchaAI publishes none);");
    expect(renderSummary({ kind: "checked", quote, illustrative: [] }, ctx)).not.toContain("illustrative");
    expect(renderSummary({ kind: "checked", quote }, ctx)).not.toContain("illustrative");
  });

  it.each([
    [0, "0.00"],
    [12.5, "12.50"],
    [0.003, "0.003"],
    [0.0008, "0.0008"],
    [1234.567891, "1234.567891"],
    [3.85, "3.85"],
  ])("formats the amount %s as %s", (n, s) => expect(formatAmount(n, "USD")).toBe(s));

  it.each([
    [0, "0"],
    [999, "999"],
    [1000, "1,000"],
    [1234567, "1,234,567"],
  ])("formats the count %s as %s", (n, s) => expect(formatCount(n)).toBe(s));

  it("renders every line of the quote", () => {
    const quote = priceBatch({
      balance: 5,
      currency: "USD",
      batch: [
        { type: "recaptcha_v2", count: 2000 },
        { type: "turnstile", count: 100 },
      ],
      prices: { recaptcha_v2: 0.0008, turnstile: 0.002 },
      marginBp: 1500,
      reserve: 3,
    });
    const md = renderSummary({ kind: "checked", quote }, ctx);
    expect(md).toContain("| `recaptcha_v2` | 2,000 × 0.0008 = 1.60 USD |");
    expect(md).toContain("| `turnstile` | 100 × 0.002 = 0.20 USD |");
    expect(md).toContain("| Safety margin (15%) | 0.27 USD |");
    expect(md).toContain("| Reserve | 3.00 USD |");
    expect(md).toContain("| **Required** | **5.07 USD** |");
    expect(md).toContain("| Shortfall | 0.07 USD |");
    expect(md).toContain("| Solves the balance pays for (each type alone, above the reserve) | `recaptcha_v2` 2,500, `turnstile` 1,000 |");
    expect(md).toContain("| Verdict | ❌ short: job failed |");
  });

  it("renders a failure to read, escaping table syntax in the provider's message", () => {
    const outcome: Outcome = { kind: "unreadable", reason: "malformed", message: "body was a|b", attempts: 3 };
    const md = renderSummary(outcome, { ...ctx, onApiError: "pass" });
    expect(md).toContain("| Reason | `malformed` |");
    expect(md).toContain("| Attempts | 3 |");
    expect(md).toContain("| Verdict | ➖ not checked: passed (on-api-error: pass) |");
    expect(judge(outcome, { ...ctx, onApiError: "pass" }).effect).toBe("pass");
  });
});
