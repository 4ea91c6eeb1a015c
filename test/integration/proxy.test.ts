/**
 * Provider calls through a real proxy (Debian's squid on loopback, see helpers/squid.ts): the CLI as a
 * user runs it, and the exporter. The simulator is addressed as `sim.test`, a name only the proxy can
 * resolve, so a balance read for it has gone through the proxy (and squid's access log shows it); the
 * same command without the proxy fails with "host not found". HTTPS goes through CONNECT to the
 * simulator serving a certificate from a test CA. The key and the proxy's credentials must appear in no
 * output of any run.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeConnections } from "../../core/http.ts";
import { defaultPrices } from "../../core/pricing.ts";
import { getProvider } from "../../core/providers/registry.ts";
import { type Simulator, startSimulator } from "../../simulator/index.ts";
import { startExporter } from "../../exporter/exporter.ts";
import { createLogger } from "../../exporter/logger.ts";
import { type CliRun, runCliProcess } from "../helpers/cli.ts";
import { SQUID, type Squid, startSquid } from "../helpers/squid.ts";
import { makeTestCa, type TestCa } from "../helpers/test-ca.ts";

const KEY = "9d2b7c41e0f35a68b1c04d7e92f6a3b5";
const USER = "proxyuser-q7";
const PASSWORD = "p@ss:w0rd/Zq9%";
const HOSTS = { "sim.test": "127.0.0.1" };

/** Every form of the secrets that must never be printed. */
const SECRET_FORMS = [
  KEY,
  USER,
  PASSWORD,
  encodeURIComponent(PASSWORD),
  Buffer.from(`${USER}:${PASSWORD}`).toString("base64"),
];

function expectNoSecrets(text: string): void {
  for (const s of SECRET_FORMS) {
    expect(text).not.toContain(s);
    expect(text.toLowerCase()).not.toContain(s.toLowerCase());
  }
}

const runs: CliRun[] = [];
async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  const r = await runCliProcess(["balance", "--provider", "captchaai", "--timeout", "10s", ...args], { CAPTCHA_API_KEY: KEY, ...env });
  runs.push(r);
  expectNoSecrets(r.stdout + r.stderr);
  return r;
}

/** Squid writes a tunnel's line when it closes; waits (bounded) for a line matching `re`. */
async function logLines(proxy: Squid, re: RegExp): Promise<string[]> {
  for (let i = 0; i < 50; i++) {
    const lines = proxy.accessLog().filter((l) => re.test(l));
    if (lines.length > 0) return lines;
    await new Promise((r) => setTimeout(r, 100));
  }
  return [];
}

describe.runIf(SQUID)("provider calls through a real proxy (squid)", () => {
  let proxy: Squid;
  let authProxy: Squid;
  let sim: Simulator;
  let tlsSim: Simulator;
  let ca: TestCa;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "proxy-test-"));
    ca = makeTestCa(["sim.test", "127.0.0.1"]);
    [proxy, authProxy, sim, tlsSim] = await Promise.all([
      startSquid({ hosts: HOSTS }),
      startSquid({ hosts: HOSTS, auth: { user: USER, password: PASSWORD } }),
      startSimulator({ accounts: [{ key: KEY, balance: 42.5 }], timeScale: 0 }),
      startSimulator({ accounts: [{ key: KEY, balance: 17.25 }], timeScale: 0, tls: { cert: ca.cert, key: ca.key } }),
    ]);
  }, 60_000);

  afterAll(async () => {
    await closeConnections();
    await Promise.all([proxy?.close(), authProxy?.close(), sim?.close(), tlsSim?.close()]);
    ca?.remove();
    rmSync(dir, { recursive: true, force: true });
    // one last sweep over everything every run printed
    expectNoSecrets(runs.map((r) => r.stdout + r.stderr).join("\n"));
  });

  const simTest = () => `http://sim.test:${sim.port}`;
  const tlsSimTest = () => `https://sim.test:${tlsSim.port}`;

  it("HTTP_PROXY: the request goes through the proxy (access log), and cannot go directly", async () => {
    const direct = await cli(["--api-url", simTest(), "--retries", "0"], {});
    expect(direct.code).toBe(2);
    expect(direct.stderr).toContain("host not found");

    const r = await cli(["--api-url", simTest()], { HTTP_PROXY: proxy.url });
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("42.50 USD");
    const lines = await logLines(proxy, new RegExp(`CONNECT sim\\.test:${sim.port} `));
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines[0]).toMatch(/TCP_TUNNEL\/200/);
  });

  it("lower-case http_proxy and no_proxy: a host listed in no_proxy bypasses the proxy", async () => {
    const viaProxy = await cli(["--api-url", `http://127.0.0.1:${sim.port}`], { http_proxy: proxy.url });
    expect(viaProxy.stdout.trim()).toBe("42.50 USD");
    expect(await logLines(proxy, new RegExp(`CONNECT 127\\.0\\.0\\.1:${sim.port} `))).toHaveLength(1);

    const before = sim.state().counts.total;
    const bypass = await cli(["--api-url", `http://127.0.0.1:${sim.port}`], { http_proxy: proxy.url, no_proxy: "localhost,127.0.0.1" });
    expect(bypass.stdout.trim()).toBe("42.50 USD");
    expect(sim.state().counts.total).toBe(before + 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(proxy.accessLog().filter((l) => l.includes(`127.0.0.1:${sim.port}`))).toHaveLength(1);

    // NO_PROXY in upper case, for a name: the direct path for sim.test has no DNS, so it fails
    const upper = await cli(["--api-url", simTest(), "--retries", "0"], { HTTP_PROXY: proxy.url, NO_PROXY: ".test" });
    expect(upper.code).toBe(2);
    expect(upper.stderr).toContain("host not found");
  });

  it("proxy basic auth: credentials from the URL work and are printed nowhere; wrong ones get a clear 407 message", async () => {
    const ok = await cli(["--api-url", simTest()], { HTTPS_PROXY: authProxy.authUrl, HTTP_PROXY: authProxy.authUrl });
    expect(ok.stderr).toBe("");
    expect(ok.stdout.trim()).toBe("42.50 USD");
    const tunnel = await logLines(authProxy, new RegExp(`TCP_TUNNEL/200 .*CONNECT sim\\.test:${sim.port} ${USER} `));
    expect(tunnel).toHaveLength(1);

    const wrong = authProxy.authUrl.replace(encodeURIComponent(PASSWORD), encodeURIComponent(`${PASSWORD}x`));
    const refused = await cli(["--api-url", simTest(), "--json"], { HTTP_PROXY: wrong });
    expect(refused.code).toBe(2);
    const json = JSON.parse(refused.stdout) as { reason: string; message: string };
    expect(json.reason).toBe("network");
    expect(json.message).toContain(`the proxy ${authProxy.url} refused to connect to sim.test:${sim.port}`);
    expect(json.message).toContain("407 Proxy Authentication Required");
    // a refused password is not retried
    expect(refused.stderr).not.toContain("retrying");
    // the wrong password is a secret too
    expect(refused.stdout + refused.stderr).not.toContain(encodeURIComponent(`${PASSWORD}x`));
    expect(refused.stdout + refused.stderr).not.toContain(`${PASSWORD}x`);
  });

  it("--proxy.url names the proxy for this command; a proxy that cannot be reached, or cannot reach the provider, is named as such", async () => {
    const ok = await cli(["--api-url", simTest(), "--proxy.url", authProxy.authUrl], {});
    expect(ok.stdout.trim()).toBe("42.50 USD");

    const down = await cli(["--api-url", simTest(), "--retries", "0", "--proxy.url", `http://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:1`], {});
    expect(down.code).toBe(2);
    expect(down.stderr).toContain(`cannot reach the proxy http://127.0.0.1:1 (to connect to sim.test:${sim.port}): connection refused`);

    // the proxy cannot reach the provider: squid answers CONNECT with a 5xx, named as the proxy's answer
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const closed = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const unreachable = await cli(["--api-url", `http://sim.test:${closed}`, "--retries", "0", "--json"], { HTTP_PROXY: proxy.url });
    expect(unreachable.code).toBe(2);
    const u = JSON.parse(unreachable.stdout) as { reason: string; message: string };
    expect(u.reason).toBe("network");
    expect(u.message).toMatch(new RegExp(`^the proxy ${proxy.url.replace(/\./g, "\\.")} refused to connect to sim\\.test:${closed}: HTTP 5\\d\\d \\(the proxy could not reach the provider\\)`));

    const bad = await cli(["--api-url", simTest(), "--proxy.url", "socks5://127.0.0.1:1080"], {});
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--proxy.url");
  });

  it("HTTPS through CONNECT to a certificate from a test CA: trusted via NODE_EXTRA_CA_CERTS", async () => {
    const r = await cli(["--api-url", tlsSimTest()], { HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: ca.caFile });
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("17.25 USD");
    expect(await logLines(proxy, new RegExp(`TCP_TUNNEL/200 .*CONNECT sim\\.test:${tlsSim.port} `))).toHaveLength(1);
  });

  it("HTTPS through CONNECT: trusted via --tls.ca-file", async () => {
    const r = await cli(["--api-url", tlsSimTest(), "--tls.ca-file", ca.caFile], { HTTPS_PROXY: authProxy.authUrl });
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("17.25 USD");
  });

  it("HTTPS without the CA: refused, naming the host and why, and not retried", async () => {
    const before = proxy.accessLog().filter((l) => l.includes(`CONNECT sim.test:${tlsSim.port} `)).length;
    const r = await cli(["--api-url", tlsSimTest(), "--retries", "3", "--json"], { HTTPS_PROXY: proxy.url });
    expect(r.code).toBe(2);
    const json = JSON.parse(r.stdout) as { reason: string; message: string };
    expect(json.reason).toBe("network");
    expect(json.message).toContain(`TLS certificate of sim.test:${tlsSim.port} was refused`);
    expect(json.message).toContain("signed by a CA not trusted here (UNABLE_TO_VERIFY_LEAF_SIGNATURE)");
    expect(json.message).toContain("trust its CA with NODE_EXTRA_CA_CERTS (or --tls.ca-file / ca_file)");
    expect(r.stderr).not.toContain("retrying");
    await new Promise((res) => setTimeout(res, 300));
    // one attempt: one tunnel
    expect(proxy.accessLog().filter((l) => l.includes(`CONNECT sim.test:${tlsSim.port} `)).length).toBe(before + 1);
  });

  it("a ca_file that is not PEM is refused up front (exit 2), naming the flag", async () => {
    const notPem = join(dir, "not.pem");
    writeFileSync(notPem, "hello\n");
    const r = await cli(["--api-url", tlsSimTest(), "--tls.ca-file", notPem], { HTTPS_PROXY: proxy.url });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--tls.ca-file");
    expect(r.stderr).toContain("no PEM certificate");
  });

  it("the exporter polls through the account's proxy_url with its ca_file, and its logs carry no credentials", async () => {
    const logs: string[] = [];
    const exporter = await startExporter({
      accounts: [
        {
          name: "behind-proxy",
          providerLabel: "captchaai",
          provider: { ...getProvider("captchaai"), minPollIntervalMs: 0 },
          apiKey: KEY,
          apiUrl: tlsSimTest(),
          network: { proxyUrl: authProxy.authUrl, caFile: ca.caFile },
          intervalMs: 60_000,
          prices: defaultPrices("captchaai"),
        },
        {
          name: "wrong-password",
          providerLabel: "captchaai",
          provider: { ...getProvider("captchaai"), minPollIntervalMs: 0 },
          apiKey: KEY,
          apiUrl: tlsSimTest(),
          network: { proxyUrl: authProxy.authUrl.replace("@", "nope@"), caFile: ca.caFile },
          intervalMs: 60_000,
          prices: defaultPrices("captchaai"),
        },
      ],
      listen: { host: "127.0.0.1", port: 0 },
      telemetryPath: "/metrics",
      stateFile: null,
      stateWriteIntervalMs: 60_000,
      logger: createLogger({ level: "debug", format: "logfmt", write: (l) => logs.push(l) }),
      defaultMetrics: false,
    });
    try {
      await exporter.whenReady();
      const body = await (await fetch(exporter.metricsUrl)).text();
      expect(body).toMatch(/captcha_up\{account="behind-proxy"[^}]*\} 1/);
      expect(body).toMatch(/captcha_balance\{account="behind-proxy"[^}]*\} 17\.25/);
      expect(body).toMatch(/captcha_up\{account="wrong-password"[^}]*\} 0/);
      expect(body).toMatch(/captcha_check_errors_total\{account="wrong-password"[^}]*reason="network"[^}]*\} 1/);
      const text = logs.join("\n");
      expect(text).toContain(`proxy ${authProxy.url}`);
      expect(text).toContain("407");
      expectNoSecrets(text + body);
      expect(text).not.toContain(`${PASSWORD}nope`);
    } finally {
      await exporter.stop();
    }
  });
});

describe.runIf(!SQUID)("provider calls through a real proxy", () => {
  it("needs squid", () => {
    expect.fail("squid is not installed: apt-get install -y squid (.ci/run installs it)");
  });
});
