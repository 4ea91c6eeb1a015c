import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getProvider } from "../../core/providers/registry.ts";
import { PROVIDER_NAMES } from "../../core/providers/types.ts";

const KEY = "0123456789abcdef0123456789abcdef";
type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
let handler: Handler = (_q, _b, res) => res.end();
let server: Server;
let base: string;
const seen: Array<{ method: string; url: string; body: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", body });
      handler(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe("providers over HTTP", () => {
  it("legacy providers send GET /res.php with key, action=getbalance and json=1", async () => {
    handler = (_q, _b, res) => res.end('{"status":1,"request":"3.5"}');
    for (const name of ["captchaai", "2captcha", "rucaptcha", "azcaptcha"] as const) {
      seen.length = 0;
      const r = await getProvider(name).getBalance({ apiKey: KEY, apiUrl: base });
      expect(r).toMatchObject({ ok: true, balance: 3.5 });
      const url = new URL(seen[0]!.url, base);
      expect(seen[0]!.method).toBe("GET");
      expect(url.pathname).toBe("/res.php");
      expect(Object.fromEntries(url.searchParams)).toEqual({ key: KEY, action: "getbalance", json: "1" });
    }
  });
  it("client-key providers POST /getBalance with {clientKey}", async () => {
    handler = (_q, _b, res) => res.end('{"errorId":0,"balance":9.25}');
    for (const name of ["anti-captcha", "capsolver", "capmonster"] as const) {
      seen.length = 0;
      const r = await getProvider(name).getBalance({ apiKey: KEY, apiUrl: base });
      expect(r).toMatchObject({ ok: true, balance: 9.25, currency: "USD" });
      expect(seen[0]).toMatchObject({ method: "POST", url: "/getBalance" });
      expect(JSON.parse(seen[0]!.body)).toEqual({ clientKey: KEY });
    }
  });
  it("nopecha sends GET /status/?key=KEY and reads credit as credits", async () => {
    handler = (_q, _b, res) => res.end('{"plan":"Basic","status":"Active","credit":420,"quota":1000}');
    seen.length = 0;
    const r = await getProvider("nopecha").getBalance({ apiKey: KEY, apiUrl: base });
    expect(r).toEqual({ ok: true, balance: 420, currency: "credits" });
    const url = new URL(seen[0]!.url, base);
    expect(seen[0]!.method).toBe("GET");
    expect(url.pathname).toBe("/status/");
    expect(Object.fromEntries(url.searchParams)).toEqual({ key: KEY });
  });
  it("deathbycaptcha POSTs the authtoken form to /user and converts cents to USD", async () => {
    handler = (_q, _b, res) => res.end('{"user":99,"rate":0.139,"balance":672.204,"is_banned":false,"status":0}');
    seen.length = 0;
    const r = await getProvider("deathbycaptcha").getBalance({ apiKey: KEY, apiUrl: `${base}/api` });
    expect(r).toEqual({ ok: true, balance: 6.72204, currency: "USD" });
    expect(seen[0]).toMatchObject({ method: "POST", url: "/api/user" });
    expect(Object.fromEntries(new URLSearchParams(seen[0]!.body))).toEqual({ authtoken: KEY });
  });
  it("ezcaptcha, 2captcha-v2 and rucaptcha-v2 speak client-key; ezcaptcha's points are USD / 10,000", async () => {
    handler = (_q, _b, res) => res.end('{"errorId":0,"balance":1071810}');
    const got = [];
    for (const name of ["ezcaptcha", "2captcha-v2", "rucaptcha-v2"] as const) {
      seen.length = 0;
      got.push(await getProvider(name).getBalance({ apiKey: KEY, apiUrl: base }));
      expect(seen[0]).toMatchObject({ method: "POST", url: "/getBalance" });
      expect(JSON.parse(seen[0]!.body)).toEqual({ clientKey: KEY });
    }
    expect(got).toEqual([
      { ok: true, balance: 107.181, currency: "USD" },
      { ok: true, balance: 1071810, currency: "USD" },
      { ok: true, balance: 1071810, currency: "RUB" },
    ]);
  });
  it("keeps a path prefix of --api-url (proxies)", async () => {
    handler = (_q, _b, res) => res.end('{"errorId":0,"balance":1}');
    seen.length = 0;
    await getProvider("capmonster").getBalance({ apiKey: KEY, apiUrl: `${base}/proxy/capmonster` });
    expect(seen[0]!.url).toBe("/proxy/capmonster/getBalance");
  });
  it("reads capsolver's 401 body as auth", async () => {
    handler = (_q, _b, res) => {
      res.statusCode = 401;
      res.end('{"errorId":1,"errorCode":"ERROR_KEY_DENIED_ACCESS"}');
    };
    expect(await getProvider("capsolver").getBalance({ apiKey: KEY, apiUrl: base })).toMatchObject({ ok: false, reason: "auth" });
  });
  it("times out a server that never answers, without leaking the key", async () => {
    handler = () => {};
    const r = await getProvider("captchaai").getBalance({ apiKey: KEY, apiUrl: base, timeoutMs: 300 });
    expect(r).toMatchObject({ ok: false, reason: "timeout" });
    expect(JSON.stringify(r)).not.toContain(KEY);
  });
  it("times out a body that stalls half-way", async () => {
    handler = (_q, _b, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"status":1,');
    };
    const r = await getProvider("captchaai").getBalance({ apiKey: KEY, apiUrl: base, timeoutMs: 300 });
    expect(r).toMatchObject({ ok: false, reason: "timeout" });
  });
  it("classifies a dropped connection as network, without leaking the key", async () => {
    handler = (req) => req.socket.destroy();
    const r = await getProvider("captchaai").getBalance({ apiKey: KEY, apiUrl: base, timeoutMs: 2000 });
    expect(r).toMatchObject({ ok: false, reason: "network" });
    expect(JSON.stringify(r)).not.toContain(KEY);
  });
  it("classifies a refused connection as network", async () => {
    const r = await getProvider("anti-captcha").getBalance({ apiKey: KEY, apiUrl: "http://127.0.0.1:1", timeoutMs: 2000 });
    expect(r).toMatchObject({ ok: false, reason: "network" });
    expect(r.ok === false && r.message).toContain("connection refused");
  });
  it("redacts a key echoed back by the server in its error text", async () => {
    handler = (_q, _b, res) => {
      res.statusCode = 502;
      res.end(`bad gateway for key=${KEY}`);
    };
    for (const name of PROVIDER_NAMES) {
      const r = await getProvider(name).getBalance({ apiKey: KEY, apiUrl: base });
      expect(r.ok).toBe(false);
      expect(JSON.stringify(r)).not.toContain(KEY);
    }
  });
});
