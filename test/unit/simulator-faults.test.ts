import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseFault, type Simulator, startSimulator } from "../../simulator/index.ts";

const KEY = "1b4f0e9851971998e732078544c96b36";

describe("simulator: hostile faults that echo the key", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, timeScale: 0, accounts: [{ key: KEY, id: "main", balance: 5, flavour: "anti-captcha" }] });
  });
  afterAll(() => sim?.close());

  it("validates the body fault and the error description", () => {
    expect(parseFault({ kind: "body", body: "x", status: 502, contentType: "text/html", repeat: 3 })).toEqual({
      kind: "body",
      body: "x",
      status: 502,
      contentType: "text/html",
      repeat: 3,
    });
    expect(parseFault({ kind: "body" })).toMatch(/fault 'body' must be a string/);
    expect(parseFault({ kind: "body", body: "x", contentType: "text/html\r\nx: y" })).toMatch(/fault 'contentType' must be a media type/);
    expect(parseFault({ kind: "body", body: "x".repeat(1 << 20), repeat: 9 })).toMatch(/repeated must stay under/);
    expect(parseFault({ kind: "error", code: "E", description: 5 })).toMatch(/fault 'description' must be a string/);
  });

  it("replaces the placeholders with the request's key in each form; the state holds only the placeholders", async () => {
    sim.injectFault({ kind: "body", body: "{key}|{KEY}|{key:url}|{KEY:url}|{key:json}|{key:base64}", status: 400 }, { times: 1 });
    const res = await fetch(`${sim.url}/getBalance`, { method: "POST", body: JSON.stringify({ clientKey: KEY }) });
    expect(res.status).toBe(400);
    const pct = [...KEY].map((c) => `%${c.charCodeAt(0).toString(16)}`).join("");
    const json = [...KEY].map((c) => `\\u00${c.charCodeAt(0).toString(16)}`).join("");
    expect(await res.text()).toBe(`${KEY}|${KEY.toUpperCase()}|${pct}|${pct.toUpperCase()}|${json}|${Buffer.from(KEY).toString("base64")}`);
    sim.injectFault({ kind: "error", code: "ERROR_KEY_{KEY}", description: "key {key}" });
    const err = await (await fetch(`${sim.url}/getBalance`, { method: "POST", body: JSON.stringify({ clientKey: KEY }) })).json();
    expect(err).toMatchObject({ errorCode: `ERROR_KEY_${KEY.toUpperCase()}`, errorDescription: `key ${KEY}` });
    const state = await (await fetch(`${sim.url}/_sim/state`)).text();
    expect(state.toLowerCase()).not.toContain(KEY);
    expect(state).toContain("ERROR_KEY_{KEY}");
  });
});
