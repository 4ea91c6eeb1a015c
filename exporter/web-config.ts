/**
 * `--web.config.file`: the exporter-toolkit web configuration format (TLS, basic auth, response
 * headers), the subset that makes sense here. Unknown keys are refused, as exporter-toolkit does, so a
 * typo cannot silently leave an endpoint open.
 *
 *   tls_server_config:  { cert_file, key_file, min_version?: TLS12|TLS13 }   (paths relative to the file)
 *   http_server_config: { headers: { Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options,
 *                                    X-XSS-Protection, Content-Security-Policy } }
 *   basic_auth_users:   { username: bcrypt-hash, … }
 */
import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import { createSecureContext } from "node:tls";
import { parse as parseYaml } from "yaml";
import { fileErrorReason, InputError } from "../core/errors.ts";

export interface TlsSettings {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly certFile: string;
  readonly keyFile: string;
  readonly minVersion: "TLSv1.2" | "TLSv1.3";
}

export interface WebConfig {
  readonly tls: TlsSettings | null;
  readonly headers: Readonly<Record<string, string>>;
  /** username → bcrypt hash; empty = no authentication. */
  readonly basicAuthUsers: ReadonlyMap<string, string>;
}

export const EMPTY_WEB_CONFIG: WebConfig = { tls: null, headers: {}, basicAuthUsers: new Map() };

export const ALLOWED_HEADERS = [
  "Strict-Transport-Security",
  "X-Content-Type-Options",
  "X-Frame-Options",
  "X-XSS-Protection",
  "Content-Security-Policy",
] as const;

const TOOLKIT_ONLY_TLS = ["client_auth_type", "client_ca_file", "cipher_suites", "curve_preferences", "prefer_server_cipher_suites", "max_version", "client_allowed_sans"];

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function checkKeys(obj: Record<string, unknown>, allowed: readonly string[], where: string, file: string): void {
  for (const k of Object.keys(obj)) {
    if (allowed.includes(k)) continue;
    const hint = TOOLKIT_ONLY_TLS.includes(k) ? " (valid in exporter-toolkit, not supported by captcha-runway)" : "";
    throw new InputError(`${file}: unknown key '${where}${k}'${hint}; allowed: ${allowed.join(", ")}`);
  }
}

/** Parses and checks the YAML text; reads no files. */
export function parseWebConfig(text: string, file: string): { tls: { certFile: string; keyFile: string; minVersion: TlsSettings["minVersion"] } | null; headers: Record<string, string>; basicAuthUsers: Map<string, string> } {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new InputError(`${file}: not valid YAML (${(err as Error).message.split("\n")[0]})`);
  }
  if (doc === null || doc === undefined) doc = {};
  if (!isRecord(doc)) throw new InputError(`${file}: expected a YAML mapping with tls_server_config, http_server_config and/or basic_auth_users`);
  checkKeys(doc, ["tls_server_config", "http_server_config", "basic_auth_users"], "", file);
  const base = dirname(resolve(file));
  const rel = (p: string) => (isAbsolute(p) ? p : resolve(base, p));

  let tls: { certFile: string; keyFile: string; minVersion: TlsSettings["minVersion"] } | null = null;
  const t = doc.tls_server_config;
  if (t !== undefined && t !== null) {
    if (!isRecord(t)) throw new InputError(`${file}: tls_server_config must be a mapping with cert_file and key_file`);
    checkKeys(t, ["cert_file", "key_file", "min_version"], "tls_server_config.", file);
    if (typeof t.cert_file !== "string" || t.cert_file === "" || typeof t.key_file !== "string" || t.key_file === "") {
      throw new InputError(`${file}: tls_server_config needs both cert_file and key_file (paths to PEM files)`);
    }
    const mv = t.min_version ?? "TLS12";
    if (mv !== "TLS12" && mv !== "TLS13") throw new InputError(`${file}: tls_server_config.min_version must be TLS12 or TLS13, got '${String(mv)}'`);
    tls = { certFile: rel(t.cert_file), keyFile: rel(t.key_file), minVersion: mv === "TLS13" ? "TLSv1.3" : "TLSv1.2" };
  }

  const headers: Record<string, string> = {};
  const h = doc.http_server_config;
  if (h !== undefined && h !== null) {
    if (!isRecord(h)) throw new InputError(`${file}: http_server_config must be a mapping`);
    checkKeys(h, ["headers"], "http_server_config.", file);
    if (h.headers !== undefined && h.headers !== null) {
      if (!isRecord(h.headers)) throw new InputError(`${file}: http_server_config.headers must be a mapping of header name to value`);
      for (const [name, value] of Object.entries(h.headers)) {
        const canonical = ALLOWED_HEADERS.find((a) => a.toLowerCase() === name.toLowerCase());
        if (!canonical) throw new InputError(`${file}: header '${name}' cannot be set; allowed: ${ALLOWED_HEADERS.join(", ")}`);
        if (typeof value !== "string" || /[\r\n]/.test(value)) throw new InputError(`${file}: header '${name}' must be a one-line string`);
        headers[canonical] = value;
      }
    }
  }

  const basicAuthUsers = new Map<string, string>();
  const u = doc.basic_auth_users;
  if (u !== undefined && u !== null) {
    if (!isRecord(u)) throw new InputError(`${file}: basic_auth_users must be a mapping of username to bcrypt hash`);
    for (const [user, hash] of Object.entries(u)) {
      if (user.includes(":")) throw new InputError(`${file}: basic_auth_users: username '${user}' must not contain ':'`);
      if (typeof hash !== "string" || !/^\$2[aby]?\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash)) {
        throw new InputError(`${file}: basic_auth_users.${user} must be a bcrypt hash ($2y$10$…, e.g. from 'htpasswd -nBC 10 ${user}'), not a plain password`);
      }
      basicAuthUsers.set(user, hash);
    }
  }
  return { tls, headers, basicAuthUsers };
}

export async function loadWebConfig(file: string): Promise<WebConfig> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new InputError(`--web.config.file: cannot read ${file} (${fileErrorReason(err)})`);
  }
  const parsed = parseWebConfig(text, file);
  let tls: TlsSettings | null = null;
  if (parsed.tls) {
    const read = async (p: string, what: string) => {
      try {
        return await readFile(p);
      } catch (err) {
        throw new InputError(`${file}: cannot read tls_server_config.${what} ${p} (${fileErrorReason(err)})`);
      }
    };
    tls = {
      ...parsed.tls,
      cert: await read(parsed.tls.certFile, "cert_file"),
      key: await read(parsed.tls.keyFile, "key_file"),
    };
    checkTlsPair(tls, file);
  }
  return { tls, headers: parsed.headers, basicAuthUsers: parsed.basicAuthUsers };
}

/**
 * Refuses, naming the field, a certificate or key the HTTPS server could not use: not PEM, an
 * encrypted key (there is no passphrase setting), or a key that is not the certificate's. Otherwise
 * Node would fail later, at listen, with a bare OpenSSL error.
 */
export function checkTlsPair(tls: Pick<TlsSettings, "cert" | "key" | "certFile" | "keyFile">, file: string): void {
  const certField = `tls_server_config.cert_file (${tls.certFile})`;
  const keyField = `tls_server_config.key_file (${tls.keyFile})`;
  if (!tls.cert.toString("latin1").includes("-----BEGIN CERTIFICATE-----")) {
    throw new InputError(`${file}: ${certField} is not a PEM certificate; expected a file starting with -----BEGIN CERTIFICATE-----`);
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(tls.cert);
  } catch {
    throw new InputError(`${file}: ${certField} holds a PEM block that is not a valid X.509 certificate`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: tls.key, format: "pem" });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ERR_MISSING_PASSPHRASE" || /ENCRYPTED/.test(tls.key.toString("latin1"))) {
      throw new InputError(`${file}: ${keyField} is encrypted; captcha-runway needs an unencrypted PEM private key (e.g. openssl pkey -in key.pem -out key-plain.pem)`);
    }
    throw new InputError(`${file}: ${keyField} is not a PEM private key; expected a file starting with -----BEGIN PRIVATE KEY----- (or RSA/EC PRIVATE KEY)`);
  }
  if (!cert.checkPrivateKey(key)) {
    throw new InputError(`${file}: ${keyField} does not match the certificate in ${certField}; use the key the certificate was issued for`);
  }
  try {
    createSecureContext({ cert: tls.cert, key: tls.key });
  } catch (err) {
    throw new InputError(`${file}: tls_server_config: the certificate or key cannot be used (${(err as Error).message.split("\n")[0]})`);
  }
}
