import { describe, expect, it } from "vitest";
import { InputError } from "../../core/errors.ts";
import { readInputs } from "../../action/inputs.ts";

const KEY = "0123456789abcdef0123456789abcdef";

function inputs(values: Record<string, string>) {
  return readInputs((name) => values[name] ?? "");
}

function refusal(values: Record<string, string>): string {
  try {
    inputs(values);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).not.toContain(KEY);
    return (err as Error).message;
  }
  throw new Error("expected an InputError");
}

describe("action inputs", () => {
  it("applies the documented defaults", () => {
    const i = inputs({ "api-key": KEY, batch: "recaptcha_v2: 1000" });
    expect(i).toEqual({
      apiKey: KEY,
      provider: "captchaai",
      batch: [{ type: "recaptcha_v2", count: 1000 }],
      prices: {},
      marginBp: 1000,
      reserve: 0,
      mode: "fail",
      onApiError: "fail",
      timeoutMs: 30_000,
      retries: 2,
    });
  });

  it("reads a multi-line batch of several types in either spelling", () => {
    const i = inputs({ "api-key": KEY, batch: "recaptcha_v2: 1000\nimage=500\n# comment\nTurnstile: 1_000\n" });
    expect(i.batch).toEqual([
      { type: "recaptcha_v2", count: 1000 },
      { type: "image", count: 500 },
      { type: "turnstile", count: 1000 },
    ]);
  });

  it("reads the balance's currency, for accounts not in the provider's usual one", () => {
    expect(inputs({ "api-key": KEY, provider: "rucaptcha", currency: "usd", batch: "image=1" }).currency).toBe("USD");
    expect(refusal({ "api-key": KEY, currency: "dollars", batch: "image=1" })).toMatch(/Input "currency": "dollars" is not a currency code/);
  });

  it("reads the batch-size + captcha-type pair", () => {
    const i = inputs({ "api-key": KEY, "batch-size": "2500", "captcha-type": "reCAPTCHA-v3" });
    expect(i.batch).toEqual([{ type: "recaptcha_v3", count: 2500 }]);
  });

  it("reads every other input", () => {
    const i = inputs({
      "api-key": KEY,
      provider: "Anti-Captcha",
      "api-url": "http://127.0.0.1:8080/",
      batch: "hcaptcha=10",
      prices: "hcaptcha=0.0025\nimage=0.0004",
      "safety-margin": "25%",
      reserve: "1.5",
      mode: "warn",
      "on-api-error": "pass",
      timeout: "2m",
      retries: "0",
      "tracking-issue": "true",
      "github-token": "ghs_token",
      "tracking-issue-labels": "budget, captcha\nbudget",
    });
    expect(i).toEqual({
      apiKey: KEY,
      provider: "anti-captcha",
      apiUrl: "http://127.0.0.1:8080",
      batch: [{ type: "hcaptcha", count: 10 }],
      prices: { hcaptcha: 0.0025, image: 0.0004 },
      marginBp: 2500,
      reserve: 1.5,
      mode: "warn",
      onApiError: "pass",
      timeoutMs: 120_000,
      retries: 0,
      trackingIssue: { token: "ghs_token", labels: ["budget", "captcha"] },
    });
  });

  it.each([
    ["1500ms", 1500],
    ["45s", 45_000],
    ["10", 10_000],
    ["1m30s", 90_000],
  ])("reads timeout %s", (timeout, ms) => {
    expect(inputs({ "api-key": KEY, batch: "image=1", timeout }).timeoutMs).toBe(ms);
  });

  it.each(["true", "True", "TRUE", "false", "False", "FALSE"])("reads tracking-issue %s", (v) => {
    const i = inputs({ "api-key": KEY, batch: "image=1", "tracking-issue": v, "github-token": "t" });
    expect(i.trackingIssue !== undefined).toBe(v.toLowerCase() === "true");
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ["missing api-key", { "api-key": "", batch: "image=1" }, /Input "api-key" is required/],
    ["blank api-key", { "api-key": "   ", batch: "image=1" }, /Input "api-key" is required/],
    ["unknown provider", { provider: "nope-captcha", batch: "image=1" }, /Input "provider": "nope-captcha" is not a supported provider; expected one of 2captcha, 2captcha-v2, /],
    ["neither batch nor batch-size", {}, /Input "batch" is required/],
    ["both batch and batch-size", { batch: "image=1", "batch-size": "5", "captcha-type": "image" }, /Input "batch": set either batch or the pair batch-size \+ captcha-type, not both/],
    ["batch and captcha-type", { batch: "image=1", "captcha-type": "image" }, /not both/],
    ["batch-size without captcha-type", { "batch-size": "5" }, /Input "captcha-type": is required with batch-size/],
    ["captcha-type without batch-size", { "captcha-type": "image" }, /Input "batch-size": is required with captcha-type/],
    ["unparsable batch", { batch: "recaptcha_v2 1000" }, /Input "batch": "recaptcha_v2 1000" is not of the form TYPE=COUNT/],
    ["negative count", { batch: "image: -5" }, /Input "batch": count for image: -5 is negative; expected a whole number of solves/],
    ["fractional count", { batch: "image: 2.5" }, /Input "batch": count for image: "2.5" is not a whole number; expected a whole number of solves/],
    ["type listed twice", { batch: "image=1\nImage=2" }, /Input "batch": image is listed twice/],
    ["negative batch-size", { "batch-size": "-1", "captcha-type": "image" }, /Input "batch-size": -1 is negative/],
    ["non-numeric batch-size", { "batch-size": "lots", "captcha-type": "image" }, /Input "batch-size": "lots" is not a whole number/],
    ["bad captcha-type", { "batch-size": "1", "captcha-type": "re/captcha" }, /Input "captcha-type": "re\/captcha" is not a CAPTCHA type/],
    ["bad price", { batch: "image=1", prices: "image=free" }, /Input "prices": price of image: "free" is not an amount/],
    ["zero price", { batch: "image=1", prices: "image=0" }, /Input "prices": price of image: must be more than 0/],
    ["bad margin", { batch: "image=1", "safety-margin": "ten percent" }, /Input "safety-margin": "ten percent" is not a percentage/],
    ["ambiguous margin", { batch: "image=1", "safety-margin": "0.1" }, /Input "safety-margin": "0.1" is ambiguous/],
    ["huge margin", { batch: "image=1", "safety-margin": "5000%" }, /Input "safety-margin": 5000% is over the limit of 1000%; expected a percentage from 0% to 1000%/],
    ["negative reserve", { batch: "image=1", reserve: "-1" }, /Input "reserve": "-1" is not an amount/],
    ["bad mode", { batch: "image=1", mode: "strict" }, /Input "mode": "strict" is not one of fail, warn/],
    ["bad on-api-error", { batch: "image=1", "on-api-error": "ignore" }, /Input "on-api-error": "ignore" is not one of fail, warn, pass/],
    ["bad timeout", { batch: "image=1", timeout: "soon" }, /Input "timeout": "soon" is not a duration/],
    ["zero timeout", { batch: "image=1", timeout: "0s" }, /Input "timeout": 0s is too short/],
    ["long timeout", { batch: "image=1", timeout: "1h" }, /Input "timeout": 1h is longer than the maximum of 10m/],
    ["bad retries", { batch: "image=1", retries: "3.5" }, /Input "retries": "3.5" is not a whole number/],
    ["too many retries", { batch: "image=1", retries: "50" }, /Input "retries": 50 is more than 10/],
    ["bad api-url", { batch: "image=1", "api-url": "not a url" }, /Input "api-url": "not a url" is not a URL/],
    ["ftp api-url", { batch: "image=1", "api-url": "ftp://x" }, /Input "api-url": "ftp:\/\/x" must be an http:\/\/ or https:\/\/ URL/],
    ["api-url with credentials", { batch: "image=1", "api-url": "https://u:p@x" }, /Input "api-url": must not contain credentials/],
    ["bad tracking-issue", { batch: "image=1", "tracking-issue": "yes" }, /Input "tracking-issue": "yes" is not a boolean/],
    ["tracking-issue without token", { batch: "image=1", "tracking-issue": "true" }, /Input "github-token": is empty, but tracking-issue is true/],
    ["empty labels", { batch: "image=1", "tracking-issue": "true", "github-token": "t", "tracking-issue-labels": " , " }, /Input "tracking-issue-labels": is empty/],
  ])("refuses %s with a message naming the input", (_name, values, message) => {
    const withKey = "api-key" in values ? values : { "api-key": KEY, ...values };
    expect(refusal(withKey)).toMatch(message);
  });
});
