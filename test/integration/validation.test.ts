/**
 * One validator per concept: the same bad value gets the same refusal from the CLI (a real process),
 * the accounts file and the action's inputs (issue 15, item 8).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../core/config.ts";
import { readInputs } from "../../action/inputs.ts";
import { BalanceGuard } from "../../guard/guard.ts";
import { runCliProcess } from "../helpers/cli.ts";

const KEY = "0123456789abcdef0123456789abcdef";

function action(inputs: Record<string, string>): () => unknown {
  const all: Record<string, string> = { "api-key": KEY, batch: "image: 10", ...inputs };
  return () => readInputs((name) => all[name] ?? "");
}

function config(prices: Record<string, unknown>, env: Record<string, string> = { K: KEY }): Promise<unknown> {
  return parseConfig({ accounts: [{ name: "a", provider: "2captcha", api_key_env: "K", prices }] }, "accounts.yml", env);
}

async function cli(args: string[], env: Record<string, string> = { CAPTCHA_API_KEY: KEY }) {
  // nothing listens on port 9 of loopback: a value that passed validation would fail as "network"
  const r = await runCliProcess(["check", "--api-url", "http://127.0.0.1:9", "--retries", "0", ...args], env);
  return { code: r.code, stderr: r.stderr };
}

describe("CAPTCHA type names in prices: one validator", () => {
  it.each([['a"b\\c}'], ["café <b>"], ["x".repeat(65)]])("%j is refused by the CLI, the action and the accounts file", async (type) => {
    const expected = /is not a CAPTCHA type \(expected a name of letters, digits, _ or \., up to 64 characters/;
    expect(action({ prices: `${type}=0.01` })).toThrow(expected);
    await expect(config({ [type]: 0.01 })).rejects.toThrow(expected);
    const r = await cli(["--batch", "image=10", "--price", `${type}=0.01`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(expected);
  });

  it("an empty type is refused too", async () => {
    await expect(config({ "": 0.01 })).rejects.toThrow(/is not a CAPTCHA type/);
    await expect(config({ "   ": 0.01 })).rejects.toThrow(/is not a CAPTCHA type/);
    expect(action({ prices: "=0.01" })).toThrow(/Input "prices": "=0.01" is not of the form TYPE=PRICE|is not a CAPTCHA type/);
  });
});

describe("prices: one validator, never rounded to nothing", () => {
  it.each([["0.0000001"], ["0.0000015"]])("%s (finer than millionths) is refused everywhere, not priced at 0", async (price) => {
    const expected = /has more than 6 decimal places; amounts are computed in millionths/;
    expect(action({ prices: `image=${price}` })).toThrow(expected);
    await expect(config({ image: Number(price) })).rejects.toThrow(expected);
    await expect(config({ image: price })).rejects.toThrow(expected);
    const r = await cli(["--batch", "image=10", "--price", `image=${price}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(expected);
  });

  it("0.000001 is the smallest price, kept exactly; 0 and negatives are refused", async () => {
    expect(action({ prices: "image=0.000001" })).not.toThrow();
    await expect(config({ image: 0.000001 })).resolves.toBeTruthy();
    expect(action({ prices: "image=0" })).toThrow(/must be more than 0/);
    await expect(config({ image: 0 })).rejects.toThrow(/must be more than 0/);
    await expect(config({ image: -1 })).rejects.toThrow(/is not an amount/);
    await expect(config({ image: true })).rejects.toThrow(/expected a price per solve greater than 0, got boolean/);
    expect(action({ reserve: "0.0000001" })).toThrow(/Input "reserve": 0.0000001 has more than 6 decimal places/);
  });

  it("the balance guard's amounts follow the same rule", () => {
    expect(() => new BalanceGuard({ provider: "2captcha", apiKey: KEY, pricePerSolve: 0.0000001 })).toThrow(
      /BalanceGuard: pricePerSolve: 1e-7 has more than 6 decimal places/,
    );
    expect(() => new BalanceGuard({ provider: "2captcha", apiKey: KEY, minBalance: 0.25, pricePerSolve: 0.000001 })).not.toThrow();
  });
});

describe("the API key: one validator", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "captcha-runway-validation-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each([
    ["two lines", `${KEY}\n${KEY}`, /holds more than one line; expected the key alone on one line/],
    ["a space inside", `${KEY.slice(0, 10)} ${KEY.slice(10)}`, /contains white space inside the key/],
    ["a control character", `${KEY}\u0007`, /contains a character that is not printable ASCII/],
    ["non-ASCII", `${KEY}é`, /contains a character that is not printable ASCII/],
    ["too short", "abc", /is 3 characters long; expected an API key of 8 to 1024 characters/],
    ["too long", "k".repeat(1025), /is 1025 characters long; expected an API key of 8 to 1024 characters/],
  ])("%s is refused by the action, the CLI and the accounts file, without quoting the key", async (_what, key, expected) => {
    expect(action({ "api-key": key })).toThrow(expected);
    try {
      action({ "api-key": key })();
    } catch (err) {
      expect((err as Error).message).not.toContain(KEY);
    }
    await expect(parseConfig({ accounts: [{ name: "a", provider: "2captcha", api_key_env: "K" }] }, "a.yml", { K: key })).rejects.toThrow(expected);
    const file = join(dir, "key");
    await writeFile(file, key);
    const r = await cli(["--batch", "image=10", "--api-key-file", file], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(expected);
    expect(r.stderr).not.toContain(KEY);
  });
});

describe("the safety margin: one validator, its limit stated", () => {
  it("1000% is accepted, 1001% refused naming the limit, by the CLI and the action alike", async () => {
    expect(action({ "safety-margin": "1000%" })).not.toThrow();
    const expected = /1001% is over the limit of 1000%; expected a percentage from 0% to 1000%/;
    expect(action({ "safety-margin": "1001%" })).toThrow(expected);
    const r = await cli(["--batch", "image=10", "--margin", "1001%"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(expected);
    expect(action({ "safety-margin": "10.555%" })).toThrow(/more than 2 decimal places/);
  });
});

describe("counts: one validator", () => {
  it("retries: the same range (0 to 10) for the CLI and the action", async () => {
    const expected = /11 is more than 10; expected a whole number of retries from 0 to 10/;
    expect(action({ retries: "11" })).toThrow(expected);
    const r = await runCliProcess(["balance", "--api-url", "http://127.0.0.1:9", "--retries", "11"], { CAPTCHA_API_KEY: KEY });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(expected);
    const frac = await runCliProcess(["balance", "--api-url", "http://127.0.0.1:9", "--retries", "1.5"], { CAPTCHA_API_KEY: KEY });
    expect(frac.stderr).toMatch(/--retries: "1.5" is not a whole number/);
  });

  it("solves: batch, batch-size and the CLI's --batch read counts alike", async () => {
    expect(action({ batch: "", "batch-size": "1_000", "captcha-type": "image" })).not.toThrow();
    expect(action({ batch: "", "batch-size": "-3", "captcha-type": "image" })).toThrow(/Input "batch-size": -3 is negative; expected a whole number of solves/);
    expect(action({ batch: "image: 2.5" })).toThrow(/count for image: "2.5" is not a whole number; expected a whole number of solves/);
    const r = await cli(["--batch", "image=2.5"]);
    expect(r.stderr).toMatch(/count for image: "2.5" is not a whole number; expected a whole number of solves/);
  });
});
