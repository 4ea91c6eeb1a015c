/**
 * Proxy settings as the environment gives them (the curl / undici convention: lower-case names win,
 * HTTPS_PROXY falls back to HTTP_PROXY inside undici), a proxy URL fit for messages, and the forms
 * of a proxy's credentials that must be redacted wherever a message could carry them.
 */
import { InputError } from "./errors.ts";

export interface EnvProxy {
  readonly http: string;
  readonly https: string;
  readonly noProxy: string;
}

export function proxyFromEnv(env: NodeJS.ProcessEnv): EnvProxy {
  return {
    http: env.http_proxy ?? env.HTTP_PROXY ?? "",
    https: env.https_proxy ?? env.HTTPS_PROXY ?? "",
    noProxy: env.no_proxy ?? env.NO_PROXY ?? "",
  };
}

/** `http://host:port` of a proxy: never its user name or password. */
export function describeProxy(url: URL | string): string {
  try {
    const u = typeof url === "string" ? new URL(url) : url;
    return `${u.protocol}//${u.host}`;
  } catch {
    return "(a proxy URL that cannot be parsed)";
  }
}

/**
 * A proxy URL's credentials, for the redactor (core/redact.ts finds them in any case or encoding,
 * base64 included, so `user:password` covers the Proxy-Authorization header): the user name, the
 * password and the pair, decoded.
 */
export function proxySecrets(proxy: string | EnvProxy | undefined): string[] {
  if (!proxy) return [];
  if (typeof proxy !== "string") return [...proxySecrets(proxy.http), ...proxySecrets(proxy.https)];
  let u: URL;
  try {
    u = new URL(proxy);
  } catch {
    // not a URL: it is never printed, but whatever is between "//" and "@" is treated as secret
    const m = /\/\/([^@/]*)@/.exec(proxy);
    return m?.[1] ? [m[1], ...m[1].split(":")] : [];
  }
  if (!u.username && !u.password) return [];
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const user = decode(u.username);
  const password = decode(u.password);
  return [...new Set([user, password, `${user}:${password}`].filter((s) => s !== "" && s !== ":"))];
}

/** Validates a proxy URL from configuration or a flag; the message never quotes its credentials. */
export function parseProxyUrl(raw: string, where: string): string {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw new InputError(`${where}: not a URL; expected e.g. http://proxy.example:3128 or http://user:password@proxy.example:3128`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new InputError(`${where}: ${describeProxy(u)} must be an http:// or https:// proxy URL`);
  }
  if (u.pathname !== "/" || u.search || u.hash) {
    throw new InputError(`${where}: ${describeProxy(u)} has a path or query; expected scheme://[user:password@]host:port only`);
  }
  return u.toString().replace(/\/$/, "");
}
