import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../../simulator/index.ts";

const KEY_2C = "2c00000000000000000000000000000c"; // 2captcha, legacy and client-key
const KEY_CS = "CAP-00000000000000000000000000000000000000"; // capsolver
const KEY_AC = "ac00000000000000000000000000000a"; // anti-captcha (numbered errors)

let sim: Simulator;
const agent = new Agent({ pipelining: 0, keepAliveTimeout: 1 });

beforeAll(async () => {
  sim = await startSimulator({
    timeScale: 0,
    accounts: [
      { key: KEY_2C, balance: 0.01, flavour: "2captcha", id: "2c", solvePrice: 0.004 },
      { key: KEY_CS, balance: 0.005, flavour: "capsolver", id: "cs" },
      { key: KEY_AC, balance: 0, flavour: "anti-captcha", id: "ac" },
    ],
  });
});
afterAll(async () => {
  await sim.close();
  await agent.close();
});

async function get(path: string) {
  const r = await request(`${sim.url}${path}`, { dispatcher: agent });
  return { status: r.statusCode, text: await r.body.text() };
}
async function post(path: string, body: unknown) {
  const r = await request(`${sim.url}${path}`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
    dispatcher: agent,
  });
  return { status: r.statusCode, json: (await r.body.json()) as Record<string, unknown> };
}
const account = (id: string) => sim.state().accounts.find((a) => a.id === id)!;

describe("simulator: solve calls spend the balance and refuse at zero", () => {
  it("legacy in.php charges the solve price, res.php?action=get returns the token, then ERROR_ZERO_BALANCE", async () => {
    const first = await get(`/in.php?key=${KEY_2C}&method=userrecaptcha`);
    expect(first).toMatchObject({ status: 200, text: expect.stringMatching(/^OK\|\d+$/) });
    const id = first.text.split("|")[1];
    expect(await get(`/res.php?key=${KEY_2C}&action=get&id=${id}`)).toEqual({ status: 200, text: `OK|sim-token-${id}` });
    const second = JSON.parse((await get(`/in.php?key=${KEY_2C}&method=userrecaptcha&json=1`)).text);
    expect(second).toMatchObject({ status: 1, request: expect.stringMatching(/^\d+$/) });
    // 0.01 - 2 × 0.004 = 0.002 < 0.004: refused, in both shapes
    expect(await get(`/in.php?key=${KEY_2C}&method=userrecaptcha`)).toEqual({ status: 200, text: "ERROR_ZERO_BALANCE" });
    expect(JSON.parse((await get(`/in.php?key=${KEY_2C}&json=1`)).text)).toEqual({ status: 0, request: "ERROR_ZERO_BALANCE" });
    expect(account("2c")).toMatchObject({ solves: { accepted: 2, refusedZeroBalance: 2 }, solvePrice: 0.004 });
    expect(account("2c").balance).toBeCloseTo(0.002, 10);
    expect(account("2c").spentTotal).toBeCloseTo(0.008, 10);
    expect(await get(`/res.php?key=${KEY_2C}&action=get&id=999999`)).toEqual({ status: 200, text: "ERROR_WRONG_CAPTCHA_ID" });
  });

  it("client-key createTask / getTaskResult; the refusal carries the flavour's errorId and status", async () => {
    const created = await post("/createTask", { clientKey: KEY_CS, task: { type: "ReCaptchaV2TaskProxyLess" } });
    expect(created).toEqual({ status: 200, json: { errorId: 0, taskId: expect.any(Number) } });
    const result = await post("/getTaskResult", { clientKey: KEY_CS, taskId: created.json["taskId"] });
    expect(result.json).toMatchObject({ errorId: 0, status: "ready", solution: { gRecaptchaResponse: expect.stringMatching(/^sim-token-/) } });
    // 0.005 - 0.003 = 0.002: the next one cannot be paid for (CapSolver: HTTP 400)
    expect(await post("/createTask", { clientKey: KEY_CS, task: {} })).toMatchObject({
      status: 400,
      json: { errorId: 1, errorCode: "ERROR_ZERO_BALANCE" },
    });
    expect((await post("/createTask", { clientKey: KEY_AC, task: {} })).json).toMatchObject({ errorId: 10, errorCode: "ERROR_ZERO_BALANCE" });
    expect((await post("/createTask", { clientKey: "nope", task: {} })).json).toMatchObject({ errorCode: "ERROR_KEY_DOES_NOT_EXIST" });
  });

  it("solve calls are not balance calls: the request counts stay at zero", () => {
    expect(sim.counts().total).toBe(0);
  });

  it("refuses a bad solvePrice", async () => {
    await expect(startSimulator({ accounts: [{ key: "k", balance: 1, solvePrice: 0 }] })).rejects.toThrow(/'solvePrice' must be a number > 0/);
  });
});
