import { describe, expect, it } from "vitest";
import { InputError } from "../../core/errors.ts";
import { effectivePrices, parseAmount, parseBatch, parseMargin, parsePrices, priceBatch, solvesRemaining } from "../../core/pricing.ts";

describe("parseBatch", () => {
  it("reads comma lists and multi-line TYPE: COUNT", () => {
    expect(parseBatch("recaptcha_v2=1000,image=500")).toEqual([
      { type: "recaptcha_v2", count: 1000 },
      { type: "image", count: 500 },
    ]);
    expect(parseBatch("reCAPTCHA-v2: 1_000\n  turnstile: 20 # nightly\n\n")).toEqual([
      { type: "recaptcha_v2", count: 1000 },
      { type: "turnstile", count: 20 },
    ]);
  });
  it.each([
    ["image=-5", /negative/],
    ["image=1.5", /whole number/],
    ["image=lots", /whole number/],
    ["image", /TYPE=COUNT/],
    ["", /empty/],
    ["image=1,image=2", /listed twice/],
    ["=3", /TYPE=COUNT|not a CAPTCHA type/],
  ])("refuses %j", (spec, msg) => {
    expect(() => parseBatch(spec)).toThrow(InputError);
    expect(() => parseBatch(spec)).toThrow(msg);
  });
});

describe("parseMargin / parsePrices / parseAmount", () => {
  it("reads percentages into basis points", () => {
    expect(parseMargin("10%")).toBe(1000);
    expect(parseMargin("12.5%")).toBe(1250);
    expect(parseMargin("0")).toBe(0);
    expect(parseMargin("15")).toBe(1500);
  });
  it.each(["-5%", "abc", "0.1", "2000%", "10 %%"])("refuses margin %j", (m) => {
    expect(() => parseMargin(m)).toThrow(InputError);
  });
  it("reads price overrides and refuses non-positive or non-numeric ones", () => {
    expect(parsePrices("recaptcha_v2=0.0025, image=0.001")).toEqual({ recaptcha_v2: 0.0025, image: 0.001 });
    expect(() => parsePrices("image=0")).toThrow(/more than 0/);
    expect(() => parsePrices("image=-1")).toThrow(/not an amount/);
    expect(() => parsePrices("image=free")).toThrow(/not an amount/);
  });
  it("reads amounts", () => {
    expect(parseAmount("2.5", "reserve")).toBe(2.5);
    expect(() => parseAmount("-1", "reserve")).toThrow(/reserve/);
  });
});

describe("priceBatch", () => {
  const prices = { recaptcha_v2: 0.003, image: 0.001, turnstile: 0.002 };
  it("adds margin and reserve, and reports the shortfall", () => {
    const q = priceBatch({
      balance: 5,
      currency: "USD",
      batch: [
        { type: "recaptcha_v2", count: 1000 },
        { type: "image", count: 500 },
      ],
      prices,
      marginBp: 1000,
      reserve: 2,
    });
    expect(q.subtotal).toBe(3.5);
    expect(q.marginAmount).toBe(0.35);
    expect(q.required).toBe(5.85);
    expect(q.shortfall).toBe(0.85);
    expect(q.covered).toBe(false);
    expect(q.lines).toEqual([
      { type: "recaptcha_v2", count: 1000, unitPrice: 0.003, cost: 3 },
      { type: "image", count: 500, unitPrice: 0.001, cost: 0.5 },
    ]);
    expect(q.solvesRemaining).toEqual({ recaptcha_v2: 1000, image: 3000, turnstile: 1500 });
  });
  it("is covered exactly at the boundary, without float drift", () => {
    // 0.1 + 0.2 style sums: 3 × 0.1 must equal 0.3 exactly
    const q = priceBatch({ balance: 0.3, currency: "USD", batch: [{ type: "x", count: 3 }], prices: { x: 0.1 }, marginBp: 0, reserve: 0 });
    expect(q.required).toBe(0.3);
    expect(q.covered).toBe(true);
    expect(q.shortfall).toBe(0);
    const many = priceBatch({ balance: 100, currency: "USD", batch: [{ type: "x", count: 1_000_000 }], prices: { x: 0.0001 }, marginBp: 0, reserve: 0 });
    expect(many.required).toBe(100);
    expect(many.covered).toBe(true);
  });
  it("rounds the margin up, never down", () => {
    const q = priceBatch({ balance: 1, currency: "USD", batch: [{ type: "x", count: 1 }], prices: { x: 0.000001 }, marginBp: 1000, reserve: 0 });
    expect(q.required).toBe(0.000002);
  });
  it("names every type without a price", () => {
    expect(() =>
      priceBatch({ balance: 1, currency: "USD", batch: [{ type: "funcaptcha", count: 1 }, { type: "weird", count: 2 }], prices, marginBp: 0, reserve: 0 }),
    ).toThrow(/funcaptcha, weird/);
  });
  it("a count of zero costs nothing", () => {
    expect(priceBatch({ balance: 0, currency: "USD", batch: [{ type: "image", count: 0 }], prices, marginBp: 1000, reserve: 0 }).covered).toBe(true);
  });
});

describe("effectivePrices", () => {
  it("layers overrides on the provider defaults", () => {
    const p = effectivePrices("capmonster", "USD", { image: 0.0007 });
    expect(p.recaptcha_v2).toBe(0.0006);
    expect(p.image).toBe(0.0007);
  });
  it("does not apply USD defaults to an account in another currency", () => {
    expect(effectivePrices("rucaptcha", "RUB", {})).toEqual({});
    expect(() =>
      priceBatch({ balance: 100, currency: "RUB", batch: [{ type: "image", count: 1 }], prices: effectivePrices("rucaptcha", "RUB"), marginBp: 0, reserve: 0 }),
    ).toThrow(/RUB.*do not apply/);
  });
  it("solvesRemaining is zero for an empty or negative balance", () => {
    expect(solvesRemaining(-3, { image: 0.001 })).toEqual({ image: 0 });
  });
});
