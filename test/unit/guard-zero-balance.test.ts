import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { clientKeyError, legacyError } from "../../simulator/protocol.ts";
import { ZeroBalanceError } from "../../guard/errors.ts";
import { zeroBalanceInReturned, zeroBalanceInThrown } from "../../guard/zero-balance.ts";

const fixture = (name: string) => readFileSync(new URL(`../fixtures/responses/${name}`, import.meta.url), "utf8");

describe("guard: recognising a zero balance in every provider's shape", () => {
  it("2Captcha / RuCaptcha / CaptchaAI res.php: bare text and {status:0, request}", () => {
    const plain = fixture("legacy-plain-zero-balance.200.txt");
    const json = JSON.parse(fixture("legacy-json-zero-balance.200.json"));
    for (const p of ["2captcha", "rucaptcha", "captchaai"] as const) {
      expect(zeroBalanceInReturned(plain, p)).toBe("ERROR_ZERO_BALANCE");
      expect(zeroBalanceInReturned(json, p)).toBe("ERROR_ZERO_BALANCE");
      expect(zeroBalanceInThrown(new Error(plain.trim()), p)).toBe("ERROR_ZERO_BALANCE");
      expect(zeroBalanceInReturned(JSON.parse(legacyError("ERROR_ZERO_BALANCE", true).body), p)).toBe("ERROR_ZERO_BALANCE");
    }
  });

  it("client-key answers: Anti-Captcha (errorId 10), CapSolver (HTTP 400, errorId 1), CapMonster, 2Captcha v2", () => {
    expect(zeroBalanceInReturned(JSON.parse(fixture("anti-captcha-zero-balance.200.json")), "anti-captcha")).toBe("ERROR_ZERO_BALANCE");
    expect(zeroBalanceInReturned(JSON.parse(fixture("capsolver-zero-balance.400.json")), "capsolver")).toBe("ERROR_ZERO_BALANCE");
    for (const p of ["anti-captcha", "capsolver", "capmonster", "2captcha"] as const) {
      expect(zeroBalanceInReturned(JSON.parse(clientKeyError(p, "ERROR_ZERO_BALANCE").body), p)).toBe("ERROR_ZERO_BALANCE");
    }
  });

  it("errorId 10 alone means zero balance only where the provider numbers its errors", () => {
    expect(zeroBalanceInReturned({ errorId: 10 }, "2captcha")).toBe("ERROR_ZERO_BALANCE");
    expect(zeroBalanceInReturned({ errorId: "10" }, "anti-captcha")).toBe("ERROR_ZERO_BALANCE");
    expect(zeroBalanceInThrown(Object.assign(new Error("API error 10"), { errorId: 10 }), "anti-captcha")).toBe("ERROR_ZERO_BALANCE");
    expect(zeroBalanceInReturned({ errorId: 10 }, "capsolver")).toBeUndefined();
    expect(zeroBalanceInReturned({ errorId: 1, errorCode: "ERROR_KEY_DOES_NOT_EXIST" }, "2captcha")).toBeUndefined();
    // a code that says something else wins over the number
    expect(zeroBalanceInReturned({ errorId: 10, errorCode: "ERROR_NO_SLOT_AVAILABLE" }, "2captcha")).toBeUndefined();
  });

  it("a provider's own codes and numbering from its definition: NopeCHA NoCredit / error 16, 2Captcha v2 ids", () => {
    expect(zeroBalanceInReturned({ error: 16, message: "Out of credit" }, "nopecha")).toBe("NOCREDIT");
    expect(zeroBalanceInThrown(new Error("nopecha: NoCredit"), "nopecha")).toBe("NOCREDIT");
    expect(zeroBalanceInReturned({ error: 16 }, "2captcha")).toBeUndefined();
    expect(zeroBalanceInReturned({ errorId: 10 }, "2captcha-v2")).toBe("ERROR_ZERO_BALANCE");
    expect(zeroBalanceInReturned({ errorId: 10 }, "rucaptcha-v2")).toBe("ERROR_ZERO_BALANCE");
  });

  it("what client libraries throw: messages, codes, rejected strings, HTTP errors with the body, causes", () => {
    expect(zeroBalanceInThrown("ERROR_ZERO_BALANCE", "anti-captcha")).toBe("ERROR_ZERO_BALANCE");
    expect(zeroBalanceInThrown(new Error("2captcha: ERROR_ZERO_BALANCE (top up your account)"), "2captcha")).toBe("ERROR_ZERO_BALANCE");
    expect(zeroBalanceInThrown(new Error("solve failed: error_zero_balance"), "capmonster")).toBe("ERROR_ZERO_BALANCE");
    expect(zeroBalanceInThrown(Object.assign(new Error("API error"), { code: "ERROR_ZERO_BALANCE" }), "capsolver")).toBe("ERROR_ZERO_BALANCE");
    const axiosLike = Object.assign(new Error("Request failed with status code 400"), {
      response: { status: 400, data: { errorId: 1, errorCode: "ERROR_ZERO_BALANCE", errorDescription: "..." } },
    });
    expect(zeroBalanceInThrown(axiosLike, "capsolver")).toBe("ERROR_ZERO_BALANCE");
    expect(zeroBalanceInThrown(new Error("wrapped", { cause: new Error("ERROR_ZERO_BALANCE") }), "2captcha")).toBe("ERROR_ZERO_BALANCE");
    expect(zeroBalanceInThrown(new AggregateError([new Error("x"), { errorId: 10 }]), "2captcha")).toBe("ERROR_ZERO_BALANCE");
    const z = new ZeroBalanceError("no money", { provider: "2captcha", itemId: "a", balance: 0, minBalance: 0, code: "ERROR_ZERO_BALANCE" });
    expect(zeroBalanceInThrown(z, "2captcha")).toBe("ERROR_ZERO_BALANCE");
    expect(z).toBeInstanceOf(Error);
  });

  it("does not mistake other failures or ordinary results for a zero balance", () => {
    for (const v of [
      new Error("ERROR_CAPTCHA_UNSOLVABLE"),
      new Error("ERROR_KEY_DOES_NOT_EXIST"),
      new Error("timeout"),
      "IP_BANNED",
      { errorId: 1, errorCode: "ERROR_IP_BANNED" },
      null,
      undefined,
      42,
    ]) {
      expect(zeroBalanceInThrown(v, "2captcha")).toBeUndefined();
    }
    // a returned page or token that merely mentions the code is a result, not a refusal
    expect(zeroBalanceInReturned("<html>docs: ERROR_ZERO_BALANCE means no money</html>", "2captcha")).toBeUndefined();
    expect(zeroBalanceInReturned({ token: "03AGdBq24", status: 1 }, "2captcha")).toBeUndefined();
    expect(zeroBalanceInReturned({ errorId: 0, taskId: 7 }, "anti-captcha")).toBeUndefined();
    // cycles are safe
    const a: Record<string, unknown> = { message: "x" };
    a.cause = a;
    expect(zeroBalanceInThrown(a, "2captcha")).toBeUndefined();
  });
});
