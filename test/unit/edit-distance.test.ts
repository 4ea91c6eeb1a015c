import { describe, expect, it } from "vitest";
import { closestMatch, editDistance } from "../../core/edit-distance.ts";
import { illustrativePriceTypes, KNOWN_CAPTCHA_TYPES, requirePrices, suggestCaptchaType } from "../../core/pricing.ts";

describe("edit distance and the CAPTCHA type a misspelling meant", () => {
  it.each([
    ["", "", 0],
    ["abc", "", 3],
    ["", "abc", 3],
    ["kitten", "sitting", 3],
    ["recaptcha_v2", "recaptcha_v2", 0],
    ["recaptcha_v22", "recaptcha_v2", 1],
    ["recaptchav2", "recaptcha_v2", 1],
    ["imgae", "image", 2],
    ["flaw", "lawn", 2],
  ])("distance(%j, %j) = %i", (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });

  it("suggests only a close, different name", () => {
    expect(closestMatch("recaptcha_v22", ["recaptcha_v2", "recaptcha_v3"])).toBe("recaptcha_v2");
    expect(closestMatch("recaptcha_v2", ["recaptcha_v2"])).toBeUndefined();
    expect(closestMatch("funcaptcha", ["recaptcha_v2", "image", "turnstile"])).toBeUndefined();
    // two edits of a three-letter word is another word, not a typo
    expect(closestMatch("bls", ["bts"])).toBe("bts");
    expect(closestMatch("abc", ["xyc"])).toBeUndefined();
  });

  it("knows the built-in types, and normalises the spelling first", () => {
    expect(KNOWN_CAPTCHA_TYPES).toEqual(expect.arrayContaining(["recaptcha_v2", "recaptcha_v3", "turnstile", "image"]));
    expect(suggestCaptchaType("reCAPTCHA-v22")).toBe("recaptcha_v2");
    expect(suggestCaptchaType("turnstyle")).toBe("turnstile");
    expect(suggestCaptchaType("hcaptch", ["hcaptcha"])).toBe("hcaptcha");
  });

  it("a missing price names the likely type and how the caller declares one", () => {
    const batch = [{ type: "recaptcha_v22", count: 1 }];
    expect(() => requirePrices(batch, { recaptcha_v2: 0.003 }, "USD", (t) => `--price ${t}=AMOUNT`)).toThrow(
      /^no price for CAPTCHA type recaptcha_v22 — did you mean recaptcha_v2\? For a type without a built-in price, declare it with --price recaptcha_v22=AMOUNT/,
    );
    expect(() => requirePrices([{ type: "funcaptcha", count: 1 }], {}, "USD")).toThrow(/^no price for CAPTCHA type funcaptcha\. For a type/);
  });

  it("built-in illustrative prices are told apart from published and declared ones", () => {
    const types = ["recaptcha_v2", "image"];
    expect(illustrativePriceTypes("captchaai", { recaptcha_v2: 0.003, image: 0.001 }, {}, types)).toEqual(types);
    expect(illustrativePriceTypes("captchaai", { recaptcha_v2: 0.002, image: 0.001 }, { recaptcha_v2: 0.002 }, types)).toEqual(["image"]);
    // an accounts file's own figure differs from the seed one
    expect(illustrativePriceTypes("captchaai", { recaptcha_v2: 0.0025, image: 0.001 }, {}, types)).toEqual(["image"]);
    // 2Captcha publishes its reCAPTCHA v2 price
    expect(illustrativePriceTypes("2captcha", { recaptcha_v2: 0.00299, image: 0.001 }, {}, ["recaptcha_v2"])).toEqual([]);
  });
});
