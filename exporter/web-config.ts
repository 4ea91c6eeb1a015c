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
import { createHash, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import bcrypt from "bcryptjs";
import { parse as parseYaml } from "yaml";
import { InputError } from "../core/errors.ts";

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
    throw new InputError(`--web.config.file: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? "error"})`);
  }
  const parsed = parseWebConfig(text, file);
  let tls: TlsSettings | null = null;
  if (parsed.tls) {
    const read = async (p: string, what: string) => {
      try {
        return await readFile(p);
      } catch (err) {
        throw new InputError(`${file}: cannot read tls_server_config.${what} ${p} (${(err as NodeJS.ErrnoException).code ?? "error"})`);
      }
    };
    tls = {
      ...parsed.tls,
      cert: await read(parsed.tls.certFile, "cert_file"),
      key: await read(parsed.tls.keyFile, "key_file"),
    };
  }
  return { tls, headers: parsed.headers, basicAuthUsers: parsed.basicAuthUsers };
}

/**
 * Checks `Authorization: Basic …` against the users. bcrypt is deliberately slow (tens of ms), so
 * verified credentials are cached by their SHA-256 (never in clear) for a busy scraper.
 */
export class BasicAuthChecker {
  readonly #users: ReadonlyMap<string, string>;
  readonly #cache = new Map<string, boolean>();
  readonly #maxCache: number;
  /** Compared against for unknown users, so the response time does not reveal who exists. */
  readonly #dummyHash: string;

  constructor(users: ReadonlyMap<string, string>, maxCache = 256) {
    this.#users = users;
    this.#maxCache = maxCache;
    this.#dummyHash = users.size > 0 ? bcrypt.hashSync(randomBytes(16).toString("hex"), 10) : "";
  }

  get enabled(): boolean {
    return this.#users.size > 0;
  }

  async check(header: string | undefined): Promise<boolean> {
    if (!this.enabled) return true;
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? "");
    if (!m) return false;
    const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return false;
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const digest = createHash("sha256").update(`${user}\u0000${password}`).digest("hex");
    const cached = this.#cache.get(digest);
    if (cached !== undefined) return cached;
    const hash = this.#users.get(user);
    let ok: boolean;
    try {
      ok = await bcrypt.compare(password, hash ?? this.#dummyHash);
    } catch {
      ok = false;
    }
    ok = ok && hash !== undefined;
    if (ok) {
      if (this.#cache.size >= this.#maxCache) this.#cache.delete(this.#cache.keys().next().value!);
      this.#cache.set(digest, true);
    }
    return ok;
  }
}
