/**
 * Hostile clients against the real exporter on loopback: a flood of wrong passwords, silent and idle
 * sockets, more connections than allowed, many landing-page visitors. `/metrics` stays available to
 * the legitimate scraper throughout. (Speed is measured in bench/, never asserted here.)
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bcryptCost } from "../../exporter/basic-auth.ts";
import { SERVER_LIMITS } from "../../exporter/server.ts";
import { loadWebConfig } from "../../exporter/web-config.ts";
import { type Harness, sample, scrape, startHarness } from "./exporter-harness.ts";

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;

/** Opens a raw TCP connection and resolves when the server closes it (or after `boundMs`: "open"). */
function openSocket(url: string): { socket: Socket; closed: Promise<"closed" | "open">; connected: Promise<void> } {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  socket.on("error", () => {});
  socket.on("data", () => {});
  const connected = new Promise<void>((r) => socket.once("connect", () => r()));
  const closed = new Promise<"closed" | "open">((r) => socket.once("close", () => r("closed")));
  return { socket, closed, connected };
}

function within<T>(p: Promise<T>, ms: number, otherwise: T): Promise<T> {
  return Promise.race([p, new Promise<T>((r) => setTimeout(() => r(otherwise), ms))]);
}

/** GET on a fresh connection (no pooling), resolving to the status or to the error code. */
function getFresh(url: string, headers: Record<string, string> = {}): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, headers }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? "error"));
    req.end();
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "captcha-runway-dos-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("wrong-password flood (cost-12 hashes)", () => {
  let h: Harness;
  const good = basic("prometheus", "s3cret pass");
  beforeAll(async () => {
    const file = join(dir, "auth.yml");
    const hash = bcrypt.hashSync("s3cret pass", 12).replace(/^\$2b\$/, "$2y$");
    await writeFile(file, `basic_auth_users:\n  prometheus: '${hash}'\n`);
    h = await startHarness({ accounts: [{ name: "a", balance: 2 }], webConfig: await loadWebConfig(file), basicAuth: { maxQueued: 2 } });
    await h.exporter.whenReady();
  });
  afterAll(() => h.close());

  it("unknown users are checked against a cost-12 dummy", () => {
    expect(bcryptCost(h.exporter.auth.dummyHash)).toBe(12);
  });

  it("answers the excess 429 at once, bounds the comparisons, and the verified scraper keeps getting its metrics", async () => {
    expect((await scrape(h.exporter.metricsUrl, { headers: { authorization: good } })).status).toBe(200);
    const before = h.exporter.auth.comparisons;
    const flood = Array.from({ length: 16 }, (_, i) => getFresh(h.exporter.metricsUrl, { authorization: basic(i % 2 ? "prometheus" : `user${i}`, `guess-${i}`) }));
    const during = await scrape(h.exporter.metricsUrl, { headers: { authorization: good } });
    expect(during.status).toBe(200);
    expect(sample(during.body, "captcha_balance", { account: "a" })).toBe(2);
    const statuses = await Promise.all(flood);
    const denied = statuses.filter((s) => s === 401).length;
    const busy = statuses.filter((s) => s === 429).length;
    expect(denied + busy).toBe(16);
    expect(busy).toBeGreaterThan(0);
    // Every 401 cost one comparison; a 429 cost none; the cached scraper cost none.
    expect(h.exporter.auth.comparisons - before).toBe(denied);
    const res = await fetch(h.exporter.metricsUrl, { headers: { authorization: basic("x", "y") } });
    expect([401, 429]).toContain(res.status);
    if (res.status === 429) expect(res.headers.get("retry-after")).toBe("1");
  });
});

describe("connection limits (the defaults)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ accounts: [{ name: "a", balance: 2 }] });
  });
  afterAll(() => h.close());

  it("are set on the server", () => {
    const s = h.exporter.server.server;
    expect(s.maxConnections).toBe(SERVER_LIMITS.maxConnections);
    expect(s.headersTimeout).toBe(SERVER_LIMITS.headersTimeoutMs);
    expect(s.requestTimeout).toBe(SERVER_LIMITS.requestTimeoutMs);
    expect(s.keepAliveTimeout).toBe(SERVER_LIMITS.keepAliveTimeoutMs);
  });

  it(
    "a connection that never sends a request is closed by the server within headersTimeout (+ the check interval)",
    async () => {
      const silent = openSocket(h.exporter.url);
      const slow = openSocket(h.exporter.url);
      await Promise.all([silent.connected, slow.connected]);
      slow.socket.write("GET /metrics HTTP/1.1\r\nHost: x\r\n"); // headers never finished
      const bound = SERVER_LIMITS.headersTimeoutMs + SERVER_LIMITS.checkIntervalMs + 8000;
      expect(await within(silent.closed, bound, "open")).toBe("closed");
      expect(await within(slow.closed, 2000, "open")).toBe("closed");
    },
    SERVER_LIMITS.headersTimeoutMs + 30_000,
  );
});

describe("connection limits (small, to see them act)", () => {
  let h: Harness;
  const limits = { maxConnections: 4, headersTimeoutMs: 1000, requestTimeoutMs: 2000, keepAliveTimeoutMs: 500, checkIntervalMs: 200 };
  beforeAll(async () => {
    h = await startHarness({ accounts: [{ name: "a", balance: 2 }], serverLimits: limits });
    await h.exporter.whenReady();
  });
  afterAll(() => h.close());

  it("closes connections beyond maxConnections at once and serves again when they are gone", async () => {
    const held = Array.from({ length: limits.maxConnections }, () => openSocket(h.exporter.url));
    await Promise.all(held.map((s) => s.connected));
    await new Promise((r) => setTimeout(r, 50));
    const extra = openSocket(h.exporter.url);
    expect(await within(extra.closed, 3000, "open")).toBe("closed");
    for (const s of held) s.socket.destroy();
    await Promise.all(held.map((s) => s.closed));
    await new Promise((r) => setTimeout(r, 50));
    expect(await getFresh(h.exporter.metricsUrl)).toBe(200);
  });

  it("closes a kept-alive connection once it has been idle for keepAliveTimeout", async () => {
    const c = openSocket(h.exporter.url);
    await c.connected;
    let response = "";
    c.socket.on("data", (d) => {
      response += d;
    });
    c.socket.write("GET /-/healthy HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n");
    expect(await within(c.closed, 10_000, "open")).toBe("closed");
    expect(response).toMatch(/^HTTP\/1\.1 200/);
  });
});

describe("landing page under many visitors", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ accounts: Array.from({ length: 50 }, (_, i) => ({ name: `acct-${i}`, balance: 10 + i })), intervalMs: 60_000 });
    await h.exporter.whenReady();
  });
  afterAll(() => h.close());

  it("is rendered once for 40 concurrent visitors, each getting the whole page", async () => {
    const before = h.exporter.landing.renders;
    const pages = await Promise.all(Array.from({ length: 40 }, () => scrape(h.exporter.url)));
    for (const p of pages) {
      expect(p.status).toBe(200);
      expect(p.body.match(/<tr class=/g)).toHaveLength(50);
    }
    // 40 visitors within the page's second of validity: one render (two if the second ran out meanwhile).
    expect(h.exporter.landing.renders - before).toBeLessThanOrEqual(2);
    expect(pages[0]!.body).toContain("acct-49");
  });
});
