import net from "node:net";
import { Agent, request } from "undici";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../../simulator/index.ts";

const KEY = "0123456789abcdef0123456789abcdef"; // captchaai account
const KEY_RU = "ru00000000000000000000000000000r"; // rucaptcha account
const KEY_AC = "ac00000000000000000000000000000a"; // anti-captcha
const KEY_CS = "CAP-00000000000000000000000000000000000000"; // capsolver (not 32 chars: client-key only)
const KEY_CM = "cm00000000000000000000000000000m"; // capmonster
const UNKNOWN = "ffffffffffffffffffffffffffffffff";

let sim: Simulator;
// a fresh connection per request, so a dropped or hung socket never affects the next test
const agent = new Agent({ pipelining: 0, keepAliveTimeout: 1 });

beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    timeScale: 0, // frozen: balances move only when a test says so
    accounts: [
      { key: KEY, balance: 12.3456, id: "main" },
      { key: KEY_RU, balance: 1500.5, flavour: "rucaptcha", decimals: 2, id: "ru" },
      { key: KEY_AC, balance: 7.25, flavour: "anti-captcha", captchaCredits: 85000, id: "ac" },
      { key: KEY_CS, balance: 1.23, flavour: "capsolver", id: "cs" },
      { key: KEY_CM, balance: 345.678, flavour: "capmonster", decimals: 3, id: "cm" },
    ],
  });
});
afterAll(async () => {
  await sim.close();
  await agent.close();
});
afterEach(() => {
  sim.clearFaults();
});

async function legacy(key: string, opts: { json?: boolean; action?: string | null; post?: boolean } = {}) {
  const params = new URLSearchParams({ key });
  if (opts.action !== null) params.set("action", opts.action ?? "getbalance");
  if (opts.json !== false) params.set("json", "1");
  const r = opts.post
    ? await request(`${sim.url}/res.php`, {
        method: "POST",
        body: params.toString(),
        headers: { "content-type": "application/x-www-form-urlencoded" },
        dispatcher: agent,
      })
    : await request(`${sim.url}/res.php?${params}`, { dispatcher: agent });
  return { status: r.statusCode, headers: r.headers, text: await r.body.text() };
}

async function clientKey(body: unknown, raw = false) {
  const r = await request(`${sim.url}/getBalance`, {
    method: "POST",
    body: raw ? String(body) : JSON.stringify(body),
    headers: { "content-type": "application/json" },
    dispatcher: agent,
  });
  return { status: r.statusCode, headers: r.headers, text: await r.body.text() };
}

async function control(method: "GET" | "POST" | "DELETE", path: string, body?: unknown) {
  const r = await request(`${sim.url}/_sim/${path}`, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    dispatcher: agent,
  });
  return { status: r.statusCode, json: (await r.body.json()) as Record<string, unknown> };
}

describe("simulator: legacy res.php protocol", () => {
  it("answers the balance as a string with json=1, and bare without", async () => {
    expect(await legacy(KEY)).toMatchObject({ status: 200, text: '{"status":1,"request":"12.3456"}' });
    expect(await legacy(KEY, { json: false })).toMatchObject({ status: 200, text: "12.3456" });
    expect(await legacy(KEY, { post: true })).toMatchObject({ status: 200, text: '{"status":1,"request":"12.3456"}' });
    expect((await legacy(KEY_RU, { json: false })).text).toBe("1500.50");
  });

  it("rejects keys with HTTP 200 error codes", async () => {
    expect(await legacy("short")).toMatchObject({ status: 200, text: '{"status":0,"request":"ERROR_WRONG_USER_KEY"}' });
    expect(await legacy("", { json: false })).toMatchObject({ status: 200, text: "ERROR_WRONG_USER_KEY" });
    expect(await legacy(UNKNOWN)).toMatchObject({ status: 200, text: '{"status":0,"request":"ERROR_KEY_DOES_NOT_EXIST"}' });
    expect((await legacy(UNKNOWN, { json: false })).text).toBe("ERROR_KEY_DOES_NOT_EXIST");
  });

  it("answers missing and unknown actions with an error", async () => {
    expect(JSON.parse((await legacy(KEY, { action: null })).text)).toEqual({ status: 0, request: "ERROR_EMPTY_ACTION" });
    expect(JSON.parse((await legacy(KEY, { action: "reportbad" })).text)).toEqual({ status: 0, request: "ERROR_BAD_PARAMETERS" });
  });
});

describe("simulator: client-key protocol", () => {
  it("answers the balance as a number with flavour extras", async () => {
    expect(JSON.parse((await clientKey({ clientKey: KEY })).text)).toEqual({ errorId: 0, balance: 12.3456 });
    expect(JSON.parse((await clientKey({ clientKey: KEY_AC })).text)).toEqual({
      errorId: 0,
      balance: 7.25,
      captchaCredits: 85000,
    });
    expect(JSON.parse((await clientKey({ clientKey: KEY_CS })).text)).toEqual({ errorId: 0, balance: 1.23, packages: [] });
    expect(JSON.parse((await clientKey({ clientKey: KEY_CM })).text)).toEqual({ errorId: 0, balance: 345.678 });
  });

  it("rejects unknown keys, bad JSON and missing keys with errorId errors", async () => {
    const unknown = await clientKey({ clientKey: UNKNOWN });
    expect(unknown.status).toBe(200);
    expect(JSON.parse(unknown.text)).toMatchObject({ errorId: 1, errorCode: "ERROR_KEY_DOES_NOT_EXIST" });
    for (const body of ["{not json", "[]", '{"clientKey":42}', ""]) {
      const r = await clientKey(body, true);
      expect(r.status).toBe(200);
      expect(JSON.parse(r.text)).toMatchObject({ errorId: 1, errorCode: "ERROR_KEY_DOES_NOT_EXIST" });
    }
  });

  it("capsolver errors use HTTP 400, and 401 with ERROR_KEY_DENIED_ACCESS for a bad key", async () => {
    const cs = await startSimulator({ flavour: "capsolver", accounts: [{ key: KEY_CS, balance: 1 }] });
    try {
      const r = await request(`${cs.url}/getBalance`, { method: "POST", body: JSON.stringify({ clientKey: "nope" }) });
      expect(r.statusCode).toBe(401);
      expect(await r.body.json()).toMatchObject({ errorId: 1, errorCode: "ERROR_KEY_DENIED_ACCESS" });
      cs.injectFault({ kind: "error", code: "ERROR_RATE_LIMIT" });
      const r2 = await request(`${cs.url}/getBalance`, { method: "POST", body: JSON.stringify({ clientKey: KEY_CS }) });
      expect(r2.statusCode).toBe(400);
      expect(await r2.body.json()).toMatchObject({ errorId: 1, errorCode: "ERROR_RATE_LIMIT" });
    } finally {
      await cs.close();
    }
  });

  it("uses 2Captcha/Anti-Captcha errorIds for known codes", async () => {
    sim.injectFault({ kind: "error", code: "ERROR_ZERO_BALANCE" }, { key: KEY_AC, times: 1 });
    expect(JSON.parse((await clientKey({ clientKey: KEY_AC })).text)).toMatchObject({
      errorId: 10,
      errorCode: "ERROR_ZERO_BALANCE",
    });
  });
});

describe("simulator: balances over time", () => {
  it("setBalance, deposit, getBalance and spending under simulated time", async () => {
    const s = await startSimulator({
      timeScale: 0,
      accounts: [{ key: KEY, balance: 10, spend: { components: [{ kind: "steady", ratePerHour: 2 }] } }],
    });
    try {
      s.advanceTime(3600);
      expect(s.getBalance(KEY)).toBeCloseTo(8, 9);
      const r = await request(`${s.url}/res.php?key=${KEY}&action=getbalance`);
      expect(await r.body.text()).toBe("8.0000");
      s.deposit(KEY, 5);
      expect(s.getBalance(KEY)).toBeCloseTo(13, 9);
      s.setBalance(KEY, 1);
      s.advanceTime(2 * 3600);
      expect(s.getBalance(KEY)).toBe(0); // stops at zero
      const zero = await request(`${s.url}/getBalance`, { method: "POST", body: JSON.stringify({ clientKey: KEY }) });
      expect(await zero.body.json()).toEqual({ errorId: 0, balance: 0 });
      s.setSpend(KEY, "topups");
      s.advanceTime(6 * 3600);
      expect(s.getBalance(KEY)).toBeGreaterThan(0);
      expect(s.state().accounts[0]).toMatchObject({ id: "account-1", depositedTotal: 15 });
      expect(() => s.getBalance(UNKNOWN)).toThrow(/no account has the given key/);
    } finally {
      await s.close();
    }
  });

  it("runs simulated time from the real clock at the time scale", async () => {
    let realMs = 1_000_000;
    const s = await startSimulator({
      timeScale: 60,
      now: () => realMs,
      accounts: [{ key: KEY, balance: 10, spend: { components: [{ kind: "steady", ratePerHour: 6 }] } }],
    });
    try {
      realMs += 10_000; // 10 real seconds = 10 simulated minutes = 1 unit
      expect(s.simulatedSeconds()).toBe(600);
      expect(s.getBalance(KEY)).toBeCloseTo(9, 9);
      s.setTimeScale(0);
      realMs += 10_000;
      expect(s.getBalance(KEY)).toBeCloseTo(9, 9);
    } finally {
      await s.close();
    }
  });
});

describe("simulator: faults", () => {
  it("error codes in both protocol shapes, one-shot", async () => {
    sim.injectFault({ kind: "error", code: "ERROR_ZERO_BALANCE" }, { key: KEY, times: 2 });
    expect((await legacy(KEY)).text).toBe('{"status":0,"request":"ERROR_ZERO_BALANCE"}');
    expect((await clientKey({ clientKey: KEY })).text).toContain('"errorCode":"ERROR_ZERO_BALANCE"');
    expect((await legacy(KEY)).text).toBe('{"status":1,"request":"12.3456"}'); // used up
    for (const code of ["IP_BANNED", "ERROR_SERVER_ERROR", "ERROR: 1005", "ERROR_NO_SLOT_AVAILABLE", "MAX_USER_TURN"]) {
      sim.injectFault({ kind: "error", code }, { times: 1 });
      expect(await legacy(KEY, { json: false })).toMatchObject({ status: 200, text: code });
    }
  });

  it("applies key-scoped faults only to that key and protocol-scoped ones only to that protocol", async () => {
    sim.injectFault({ kind: "error", code: "IP_BANNED" }, { key: KEY_CM });
    sim.injectFault({ kind: "error", code: "ERROR_SERVER_ERROR" }, { protocol: "client-key" });
    expect((await legacy(KEY)).text).toBe('{"status":1,"request":"12.3456"}');
    expect((await clientKey({ clientKey: KEY })).text).toContain("ERROR_SERVER_ERROR");
    expect((await legacy(KEY_CM)).text).toContain("IP_BANNED");
  });

  it("HTML 502 and 500 pages", async () => {
    sim.injectFault({ kind: "html" }, { times: 1 });
    sim.injectFault({ kind: "html", status: 500 }, { times: 1 });
    const a = await legacy(KEY);
    expect(a.status).toBe(502);
    expect(a.headers["content-type"]).toMatch(/text\/html/);
    expect(a.text).toContain("<title>502 Bad Gateway</title>");
    const b = await clientKey({ clientKey: KEY });
    expect(b.status).toBe(500);
    expect(b.text).toContain("<html>");
  });

  it("truncated, garbage, empty and non-numeric bodies", async () => {
    sim.injectFault({ kind: "truncated" }, { times: 2 });
    const t1 = await legacy(KEY);
    expect(t1.status).toBe(200);
    expect(() => JSON.parse(t1.text)).toThrow();
    expect('{"status":1,"request":"12.3456"}'.startsWith(t1.text)).toBe(true);
    const t2 = await clientKey({ clientKey: KEY });
    expect(() => JSON.parse(t2.text)).toThrow();
    expect('{"errorId":0,"balance":12.3456}'.startsWith(t2.text)).toBe(true);

    sim.injectFault({ kind: "garbage" }, { times: 1 });
    const g = await legacy(KEY, { json: false });
    expect(Number.isFinite(Number.parseFloat(g.text))).toBe(false);
    expect(g.text).not.toMatch(/ERROR/);

    sim.injectFault({ kind: "empty" }, { times: 1 });
    expect((await clientKey({ clientKey: KEY })).text).toBe("");

    sim.injectFault({ kind: "non-numeric" }, { times: 2 });
    expect((await legacy(KEY)).text).toBe('{"status":1,"request":"abc"}');
    expect(JSON.parse((await clientKey({ clientKey: KEY })).text)).toEqual({ errorId: 0, balance: "NaN" });
    sim.injectFault({ kind: "non-numeric", value: null }, { times: 1 });
    expect(JSON.parse((await clientKey({ clientKey: KEY })).text)).toEqual({ errorId: 0, balance: null });
  });

  it("a truncated stream ends the response early", async () => {
    sim.injectFault({ kind: "truncated", midStream: true }, { times: 1 });
    await expect(legacy(KEY)).rejects.toThrow();
    expect((await legacy(KEY)).status).toBe(200);
  });

  it("HTTP 429 with Retry-After", async () => {
    sim.injectFault({ kind: "rate-limit", retryAfterSeconds: 42 }, { times: 1 });
    const r = await clientKey({ clientKey: KEY });
    expect(r.status).toBe(429);
    expect(r.headers["retry-after"]).toBe("42");
  });

  it("latency delays the answer and combines with another fault", async () => {
    sim.injectFault({ kind: "latency", ms: 150 }, { times: 1 });
    sim.injectFault({ kind: "error", code: "ERROR_SERVER_ERROR" }, { times: 1 });
    // the delay is observed with a client timeout shorter than it, not with a timer assertion
    await expect(
      request(`${sim.url}/res.php?key=${KEY}&action=getbalance&json=1`, { dispatcher: agent, signal: AbortSignal.timeout(20) }),
    ).rejects.toThrow(/timeout|aborted/i);
    sim.injectFault({ kind: "latency", ms: 30 }, { times: 1 });
    sim.injectFault({ kind: "error", code: "ERROR_SERVER_ERROR" }, { times: 1 });
    expect((await legacy(KEY)).text).toContain("ERROR_SERVER_ERROR");
  });

  it("dropped connections and hanging requests", async () => {
    sim.injectFault({ kind: "drop" }, { times: 1 });
    await expect(legacy(KEY)).rejects.toThrow(/other side closed|socket|closed/i);
    sim.injectFault({ kind: "hang" }, { times: 1 });
    await expect(
      request(`${sim.url}/getBalance`, {
        method: "POST",
        body: JSON.stringify({ clientKey: KEY }),
        dispatcher: agent,
        signal: AbortSignal.timeout(100),
      }),
    ).rejects.toThrow(/timeout|aborted/i);
    expect((await legacy(KEY)).status).toBe(200);
  });

  it("rejects invalid faults with a clear message", () => {
    expect(() => sim.injectFault({ kind: "latency", ms: -1 })).toThrow(/'ms'/);
    expect(() => sim.injectFault({ kind: "boom" } as never)).toThrow(/kind/);
  });

  it("bans a client after repeated wrong keys, for the flavour's cool-down", async () => {
    let realMs = 0;
    const s = await startSimulator({
      flavour: "capmonster",
      now: () => realMs,
      ban: { afterWrongKeys: 3 },
      accounts: [{ key: KEY_CM, balance: 5 }],
    });
    try {
      const call = async (key: string) =>
        (await (await request(`${s.url}/getBalance`, { method: "POST", body: JSON.stringify({ clientKey: key }) })).body.json()) as {
          errorCode?: string;
        };
      for (let i = 0; i < 3; i++) expect((await call(UNKNOWN)).errorCode).toBe("ERROR_KEY_DOES_NOT_EXIST");
      expect((await call(KEY_CM)).errorCode).toBe("ERROR_IP_BANNED");
      realMs += 9 * 60_000;
      expect((await call(KEY_CM)).errorCode).toBe("ERROR_IP_BANNED");
      realMs += 60_000;
      expect(await call(KEY_CM)).toEqual({ errorId: 0, balance: 5 });
      const legacyBan = await startSimulator({ ban: { afterWrongKeys: 1 }, accounts: [{ key: KEY, balance: 1 }] });
      await (await request(`${legacyBan.url}/res.php?key=x&action=getbalance`)).body.text();
      expect(await (await request(`${legacyBan.url}/res.php?key=${KEY}&action=getbalance`)).body.text()).toBe("IP_BANNED");
      await legacyBan.close();
    } finally {
      await s.close();
    }
  });
});

describe("simulator: counts", () => {
  it("counts requests per key and per protocol", async () => {
    sim.resetCounts();
    await legacy(KEY);
    await legacy(KEY, { json: false });
    await clientKey({ clientKey: KEY });
    await clientKey({ clientKey: UNKNOWN });
    expect(sim.requestCount(KEY)).toBe(3);
    expect(sim.requestCount(KEY, "legacy")).toBe(2);
    expect(sim.requestCount(KEY, "client-key")).toBe(1);
    expect(sim.requestCount()).toBe(4);
    expect(sim.counts()).toMatchObject({
      total: 4,
      legacy: 2,
      "client-key": 2,
      accounts: { main: { total: 3 } },
      unknownKey: { total: 1 },
    });
    sim.resetCounts();
    expect(sim.requestCount()).toBe(0);
  });
});

describe("simulator: control API", () => {
  it("state, balance, deposit, spend, faults, counts, time — and never a key", async () => {
    const state = await control("GET", "state");
    expect(state.status).toBe(200);
    expect(state.json).toMatchObject({ flavour: "captchaai", timeScale: 0 });
    expect((state.json["accounts"] as { id: string }[]).map((a) => a.id)).toEqual(["main", "ru", "ac", "cs", "cm"]);

    expect(await control("POST", "balance", { account: "ru", balance: 99 })).toMatchObject({
      status: 200,
      json: { account: "ru", balance: 99 },
    });
    expect((await legacy(KEY_RU, { json: false })).text).toBe("99.00");
    expect((await control("POST", "balance", { key: KEY_RU, deposit: 1 })).json).toMatchObject({ balance: 100 });

    const fault = await control("POST", "fault", { fault: "ERROR_SERVER_ERROR", account: "ru", times: 1 });
    expect(fault.status).toBe(201);
    expect((await legacy(KEY_RU)).text).toContain("ERROR_SERVER_ERROR");
    await control("POST", "fault", { fault: { kind: "html", status: 502 }, protocol: "legacy" });
    expect((await legacy(KEY)).status).toBe(502);
    const withFault = await control("GET", "state");
    expect(withFault.json["faults"]).toEqual([
      { id: expect.any(Number), fault: { kind: "html", status: 502 }, account: "*", protocol: "legacy", remaining: "until cleared" },
    ]);
    expect((await control("DELETE", "faults")).json).toEqual({ cleared: 1 });
    expect((await legacy(KEY)).status).toBe(200);

    expect((await control("POST", "spend", { account: "main", spend: "steady" })).status).toBe(200);
    expect((await control("POST", "time", { advanceSeconds: 3600 })).json).toMatchObject({ simulatedSeconds: 3600 });
    const main = ((await control("GET", "state")).json["accounts"] as { id: string; balance: number }[]).find(
      (a) => a.id === "main",
    )!;
    expect(main.balance).toBeLessThan(12.3456);
    sim.setSpend(KEY, { components: [] });
    sim.setBalance(KEY, 12.3456);

    const counts = await control("GET", "counts");
    expect(counts.json["total"]).toBeGreaterThan(0);
    expect((await control("DELETE", "counts")).json["total"]).toBe(0);

    const all = JSON.stringify(await control("GET", "state"));
    for (const k of [KEY, KEY_RU, KEY_AC, KEY_CS, KEY_CM]) expect(all).not.toContain(k);
  });

  it("rejects bad control requests with a message naming the problem", async () => {
    expect(await control("POST", "balance", { account: "nope", balance: 1 })).toMatchObject({ status: 404 });
    const byKey = await control("POST", "balance", { key: UNKNOWN, balance: 1 });
    expect(byKey.status).toBe(404);
    expect(JSON.stringify(byKey.json)).not.toContain(UNKNOWN);
    expect((await control("POST", "balance", { account: "main", balance: -1 })).json["error"]).toMatch(/'balance'/);
    expect((await control("POST", "fault", { fault: { kind: "latency" } })).json["error"]).toMatch(/'ms'/);
    expect((await control("POST", "fault", { fault: "drop", times: 0 })).json["error"]).toMatch(/'times'/);
    expect((await control("POST", "spend", { account: "main", spend: "weird" })).status).toBe(400);
    expect((await control("GET", "nothing")).status).toBe(404);
    const r = await request(`${sim.url}/_sim/balance`, { method: "POST", body: "{oops", dispatcher: agent });
    expect(r.statusCode).toBe(400);
    expect(await r.body.json()).toEqual({ error: "the request body must be JSON" });
  });
});

describe("simulator: lifecycle", () => {
  it("refuses non-loopback hosts and bad accounts without echoing keys", async () => {
    await expect(startSimulator({ host: "0.0.0.0", accounts: [{ key: KEY, balance: 1 }] })).rejects.toThrow(/loopback/);
    const err = await startSimulator({ accounts: [{ key: KEY, balance: -1 }] }).catch((e: Error) => e);
    expect(String(err)).toMatch(/'balance' must be a finite number >= 0/);
    expect(String(err)).not.toContain(KEY);
    await expect(
      startSimulator({ accounts: [{ key: KEY, balance: 1 }, { key: KEY, balance: 2 }] }).catch((e: Error) => {
        expect(e.message).not.toContain(KEY);
        throw e;
      }),
    ).rejects.toThrow(/same key/);
  });

  it("listens on ::1 when asked", async () => {
    const s = await startSimulator({ host: "::1", accounts: [{ key: KEY, balance: 2 }] }).catch(() => null);
    if (!s) return; // no IPv6 loopback on this machine
    try {
      expect(s.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
      expect(await (await request(`${s.url}/res.php?key=${KEY}&action=getbalance`)).body.text()).toBe("2.0000");
    } finally {
      await s.close();
    }
  });

  it("close() ends hanging and delayed requests instead of waiting for them", async () => {
    const s = await startSimulator({ accounts: [{ key: KEY, balance: 1 }] });
    s.injectFault({ kind: "hang" }, { times: 1 });
    s.injectFault({ kind: "latency", ms: 600_000 }, { key: KEY, times: 1 });
    const hanging = request(`${s.url}/res.php?key=${UNKNOWN}&action=getbalance`).then(
      () => "answered",
      () => "failed",
    );
    const delayed = request(`${s.url}/res.php?key=${KEY}&action=getbalance`).then(
      () => "answered",
      () => "failed",
    );
    // wait until both requests have reached the server
    for (let i = 0; i < 200 && s.requestCount() < 2; i++) await new Promise((r) => setTimeout(r, 5));
    expect(s.requestCount()).toBe(2);
    await s.close();
    expect(await hanging).toBe("failed");
    expect(await delayed).toBe("failed");
    // the port is closed
    await expect(
      new Promise((resolve, reject) => {
        const c = net.connect(s.port, "127.0.0.1", () => {
          c.destroy();
          resolve("connected");
        });
        c.on("error", reject);
      }),
    ).rejects.toThrow(/ECONNREFUSED/);
  });
});
