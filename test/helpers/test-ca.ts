/**
 * A throw-away certificate authority for TLS tests, made with openssl: a CA certificate (what a company
 * proxy's CA would be) and a server certificate it signed for the given names (DNS names and loopback
 * IP addresses), all PEM files in a temporary folder.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestCa {
  readonly dir: string;
  /** The CA certificate (PEM file): what NODE_EXTRA_CA_CERTS or ca_file points at. */
  readonly caFile: string;
  /** Server certificate and key (PEM text) for the names given. */
  readonly cert: string;
  readonly key: string;
  remove(): void;
}

export function makeTestCa(names: readonly string[]): TestCa {
  const dir = mkdtempSync(join(tmpdir(), "test-ca-"));
  const f = (n: string) => join(dir, n);
  const run = (args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
  run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=captcha-runway test CA", "-keyout", f("ca.key"), "-out", f("ca.pem")]);
  run(["req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${names[0]}`, "-keyout", f("server.key"), "-out", f("server.csr")]);
  const san = names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(",");
  writeFileSync(f("ext.cnf"), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`);
  run(["x509", "-req", "-in", f("server.csr"), "-CA", f("ca.pem"), "-CAkey", f("ca.key"), "-CAcreateserial", "-days", "2", "-extfile", f("ext.cnf"), "-out", f("server.pem")]);
  return {
    dir,
    caFile: f("ca.pem"),
    cert: readFileSync(f("server.pem"), "utf8"),
    key: readFileSync(f("server.key"), "utf8"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
