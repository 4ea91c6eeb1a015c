/**
 * A web config whose TLS certificate or key the server cannot use is a configuration error: the real
 * CLI in a child process exits 2 with one line naming the field, never 1 with a raw OpenSSL error.
 * Certificates and keys are made with the openssl CLI.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadWebConfig } from "../../exporter/web-config.ts";
import { runCliProcess } from "../helpers/cli.ts";

const openssl = spawnSync("openssl", ["version"], { encoding: "utf8" });
const noOpenssl = openssl.error !== undefined || openssl.status !== 0;

describe.runIf(noOpenssl)("web config: unusable TLS files", () => {
  it("needs the openssl CLI to make test certificates", () => {
    expect.fail("openssl is not installed: apt-get install -y openssl");
  });
});

describe.skipIf(noOpenssl)("web config: unusable TLS files", () => {
  let dir: string;
  const run = (...args: string[]) => {
    const r = spawnSync("openssl", args, { encoding: "utf8", cwd: dir });
    if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "captcha-runway-tls-"));
    run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "a.key", "-out", "a.crt", "-days", "1", "-subj", "/CN=localhost");
    run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "other.key");
    run("pkey", "-in", "a.key", "-outform", "DER", "-out", "a.der");
    run("pkey", "-in", "a.key", "-aes256", "-passout", "pass:secret", "-out", "encrypted.key");
    run("x509", "-in", "a.crt", "-outform", "DER", "-out", "a.crt.der");
    await writeFile(join(dir, "garbage.pem"), "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
    await writeFile(join(dir, "key"), "0123456789abcdef0123456789abcdef\n");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const webConfig = async (cert: string, key: string) => {
    const file = join(dir, `web-${cert}-${key}.yml`);
    await writeFile(file, `tls_server_config:\n  cert_file: ${cert}\n  key_file: ${key}\n`);
    return file;
  };

  it.each([
    ["a key that is not the certificate's", "a.crt", "other.key", /tls_server_config\.key_file \(.*other\.key\) does not match the certificate in tls_server_config\.cert_file/],
    ["a DER (not PEM) key", "a.crt", "a.der", /tls_server_config\.key_file \(.*a\.der\) is not a PEM private key/],
    ["a certificate given as the key", "a.crt", "a.crt", /tls_server_config\.key_file \(.*a\.crt\) is not a PEM private key/],
    ["an encrypted key", "a.crt", "encrypted.key", /tls_server_config\.key_file \(.*encrypted\.key\) is encrypted/],
    ["a DER certificate", "a.crt.der", "a.key", /tls_server_config\.cert_file \(.*a\.crt\.der\) is not a PEM certificate/],
    ["a PEM block that is no certificate", "garbage.pem", "a.key", /tls_server_config\.cert_file \(.*garbage\.pem\) holds a PEM block that is not a valid X\.509 certificate/],
    ["a key given as the certificate", "a.key", "a.key", /tls_server_config\.cert_file \(.*a\.key\) is not a PEM certificate/],
  ])("%s: exit 2 naming the field", async (_what, cert, key, message) => {
    const file = await webConfig(cert, key);
    const r = await runCliProcess([
      "exporter",
      "--provider",
      "captchaai",
      "--api-key-file",
      join(dir, "key"),
      "--web.config.file",
      file,
      "--web.listen-address",
      "127.0.0.1:0",
      "--state.file",
      "",
    ]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).not.toMatch(/error:[0-9A-F]{8}|routines|at .*\.(ts|js):\d+/);
    expect(r.stderr).not.toContain("0123456789abcdef");
  });

  it("accepts a matching EC pair (and the certificate's own key in PKCS#8)", async () => {
    const cfg = await loadWebConfig(await webConfig("a.crt", "a.key"));
    expect(cfg.tls?.cert.equals(await readFile(join(dir, "a.crt")))).toBe(true);
  });
});
