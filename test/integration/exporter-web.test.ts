/**
 * `--web.config.file` end to end: basic auth with bcrypt hashes, TLS with a self-signed certificate
 * (made with the openssl CLI), response headers; and bad files refused with a clear message.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runExporterCommand } from "../../exporter/main.ts";
import { loadWebConfig } from "../../exporter/web-config.ts";
import { type Harness, newKey, sample, scrape, startHarness } from "./exporter-harness.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "captcha-runway-web-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;

describe("web config: basic auth and headers", () => {
  let h: Harness;
  beforeAll(async () => {
    const file = join(dir, "auth.yml");
    const hash = bcrypt.hashSync("s3cret pass", 10).replace(/^\$2b\$/, "$2y$"); // htpasswd writes $2y$
    await writeFile(
      file,
      `basic_auth_users:\n  prometheus: '${hash}'\nhttp_server_config:\n  headers:\n    X-Frame-Options: deny\n    Strict-Transport-Security: max-age=31536000\n`,
    );
    h = await startHarness({ accounts: [{ name: "a", balance: 2 }], webConfig: await loadWebConfig(file) });
    await h.exporter.whenReady();
  });
  afterAll(() => h.close());

  it("refuses requests without or with wrong credentials on every path", async () => {
    for (const path of ["/metrics", "/", "/-/healthy", "/-/ready"]) {
      const res = await fetch(`${h.exporter.url}${path}`);
      expect(res.status, path).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Basic realm=/);
      expect(res.headers.get("x-frame-options")).toBe("deny");
    }
    expect((await fetch(h.exporter.metricsUrl, { headers: { authorization: basic("prometheus", "wrong") } })).status).toBe(401);
    expect((await fetch(h.exporter.metricsUrl, { headers: { authorization: basic("nobody", "s3cret pass") } })).status).toBe(401);
    expect((await fetch(h.exporter.metricsUrl, { headers: { authorization: "Bearer x" } })).status).toBe(401);
  });

  it("serves with the right credentials, again and again (verified hashes are cached)", async () => {
    for (let i = 0; i < 20; i++) {
      const res = await scrape(h.exporter.metricsUrl, { headers: { authorization: basic("prometheus", "s3cret pass") } });
      expect(res.status).toBe(200);
      expect(sample(res.body, "captcha_balance", { account: "a" })).toBe(2);
    }
    const res = await fetch(h.exporter.url, { headers: { authorization: basic("prometheus", "s3cret pass") } });
    expect(res.headers.get("strict-transport-security")).toBe("max-age=31536000");
  });
});

const openssl = spawnSync("openssl", ["version"], { encoding: "utf8" });
const noOpenssl = openssl.error !== undefined || openssl.status !== 0;
if (noOpenssl) console.warn("SKIPPED TLS tests: the openssl CLI is not available to make a test certificate");

describe.runIf(noOpenssl)("web config: TLS", () => {
  it("needs the openssl CLI to make a test certificate", () => {
    expect.fail("openssl is not installed: apt-get install -y openssl (.ci/run installs it)");
  });
});

describe.skipIf(noOpenssl)("web config: TLS", () => {
  let h: Harness;
  let cert: string;
  beforeAll(async () => {
    const key = join(dir, "tls.key");
    const crt = join(dir, "tls.crt");
    const r = spawnSync(
      "openssl",
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", crt, "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
      { encoding: "utf8" },
    );
    if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
    const file = join(dir, "tls.yml");
    // relative paths are resolved against the web config file's directory, as exporter-toolkit does
    await writeFile(file, "tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n  min_version: TLS12\n");
    h = await startHarness({ accounts: [{ name: "tls", balance: 4 }], webConfig: await loadWebConfig(file) });
    cert = (await import("node:fs")).readFileSync(crt, "utf8");
    await h.exporter.whenReady();
  });
  afterAll(() => h?.close());

  it("serves metrics over HTTPS with the configured certificate", async () => {
    expect(h.exporter.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest(h.exporter.metricsUrl, { ca: cert }, (res) => {
        let data = "";
        res.on("data", (c) => {
          data += c;
        });
        res.on("end", () => resolve(data));
      });
      req.on("error", reject);
      req.end();
    });
    expect(sample(body, "captcha_balance", { account: "tls" })).toBe(4);
  });

  it("does not speak plain HTTP on the TLS port", async () => {
    await expect(fetch(h.exporter.metricsUrl.replace("https:", "http:"))).rejects.toThrow();
  });
});

describe("web config: bad files are refused with exit 2 and a clear message", () => {
  it.each([
    ["a plain password", "basic_auth_users:\n  admin: hunter2\n", /basic_auth_users\.admin must be a bcrypt hash/],
    ["an unknown key", "tls_server_config:\n  cert_file: a\n  key_file: b\n  client_ca_file: c\n", /unknown key 'tls_server_config\.client_ca_file'.*not supported/],
    ["a missing certificate", "tls_server_config:\n  cert_file: /nonexistent.crt\n  key_file: /nonexistent.key\n", /cannot read tls_server_config\.cert_file/],
    ["a forbidden header", "http_server_config:\n  headers:\n    Set-Cookie: x\n", /header 'Set-Cookie' cannot be set/],
    ["broken YAML", "basic_auth_users: [\n", /not valid YAML/],
  ])("%s", async (_what, text, message) => {
    const file = join(dir, `bad-${Math.random().toString(36).slice(2)}.yml`);
    await writeFile(file, text);
    const errors: string[] = [];
    const code = await runExporterCommand(
      { provider: "captchaai", "web.config.file": file, "web.listen-address": "127.0.0.1:0", "state.file": "" },
      { env: { CAPTCHA_API_KEY: newKey() }, errorOut: (l) => errors.push(l), logWrite: () => {}, stopSignal: new Promise(() => {}) },
    );
    expect(code).toBe(2);
    expect(errors.join("")).toMatch(message);
  });
});
