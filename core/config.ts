/**
 * Accounts to watch: from a YAML file (several accounts), or for one account from CAPTCHA_API_KEY (or
 * a key file) and --provider. Keys come from a file or an environment variable, never from a literal
 * on the command line or in the file. Every mistake is reported once, naming the field and what was
 * expected, as an InputError.
 *
 *     accounts:
 *       - name: scraping                # unique; the `account` label
 *         provider: captchaai           # one of PROVIDER_NAMES
 *         api_key_file: /run/secrets/captchaai   # or api_key_env: CAPTCHAAI_KEY
 *         api_url: http://127.0.0.1:8080         # optional base URL override
 *         currency: USD                 # optional; the provider's own by default
 *         poll_interval: 5m             # optional; the provider's default otherwise
 *         proxy_url: http://proxy.corp:3128       # optional; else HTTPS_PROXY / HTTP_PROXY / NO_PROXY
 *         ca_file: /etc/ssl/company-ca.pem        # optional; CAs trusted besides Node's
 *         prices:                       # optional per-solve overrides, in the account's currency
 *           recaptcha_v2: 0.003
 *       - name: sms
 *         provider: http-json           # any other prepaid JSON API: see docs/providers.md
 *         api_key_env: SMS_KEY
 *         currency: credits             # required for http-json
 *         http_json: { url: "https://sms.example/quota/{{key}}", balance: quotaRemaining, min_interval: 5m }
 */
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { X509Certificate } from "node:crypto";
import { parse as parseYaml } from "yaml";
import { parseCurrency } from "./currency.ts";
import { parsePollInterval } from "./duration.ts";
import { fileErrorReason, InputError } from "./errors.ts";
import type { NetworkOptions } from "./http.ts";
import { effectivePrices, parseCaptchaType, parsePrice, type PriceTable } from "./pricing.ts";
import { HTTP_JSON, type HttpJsonSpec, httpJsonProvider } from "./providers/http-json.ts";
import { parseHttpJsonSpec } from "./providers/http-json-config.ts";
import { isProviderName, getProvider, PROVIDER_NAMES } from "./providers/registry.ts";
import type { Provider, ProviderName } from "./providers/types.ts";
import { parseProxyUrl } from "./proxy.ts";

export interface AccountConfig {
  readonly name: string;
  /** A built-in provider, or `http-json` (then `httpJson` says how to ask and read). */
  readonly provider: ProviderName | typeof HTTP_JSON;
  readonly httpJson?: HttpJsonSpec;
  /** The secret. Never print, log or serialise it. */
  readonly apiKey: string;
  readonly apiUrl?: string;
  readonly currency: string;
  readonly pollIntervalMs?: number;
  /** Effective prices: the user's overrides on top of the provider defaults (when currencies match). */
  readonly prices: PriceTable;
  /** The account's own proxy and CA file (the environment's proxy and Node's CAs otherwise). */
  readonly network?: NetworkOptions;
}

const ACCOUNT_FIELDS = [
  "name",
  "provider",
  "api_key_file",
  "api_key_env",
  "api_url",
  "currency",
  "poll_interval",
  "prices",
  "proxy_url",
  "ca_file",
  "http_json",
] as const;

/** The implementation that reads an account's balance: a built-in provider, or its own http-json one. */
export function accountProvider(cfg: Pick<AccountConfig, "provider" | "httpJson">): Provider {
  if (cfg.provider === HTTP_JSON) return httpJsonProvider(cfg.httpJson!);
  return getProvider(cfg.provider);
}

export function parseProviderName(raw: string, where: string): ProviderName {
  const name = raw.trim().toLowerCase();
  if (!isProviderName(name)) {
    throw new InputError(`${where}: unknown provider "${raw}"; expected one of ${PROVIDER_NAMES.join(", ")}`);
  }
  return name;
}

/** The one validator of a provider's base URL (--api-url, api_url in the accounts file, the action's api-url). */
export function parseApiUrl(raw: string, where: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new InputError(`${where}: "${raw}" is not a URL; expected e.g. https://api.example.com or http://127.0.0.1:8080`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new InputError(`${where}: "${raw}" must be an http:// or https:// URL`);
  }
  if (url.username || url.password) throw new InputError(`${where}: must not contain credentials (user:password@); the key is passed on its own`);
  return url.toString();
}

/** Checks that a CA file can be read and holds PEM certificates Node accepts; returns the path. */
export function checkCaFile(path: string, where: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new InputError(`${where}: cannot read the CA file ${path} (${fileErrorReason(err)})`);
  }
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) {
    throw new InputError(`${where}: ${path} holds no PEM certificate; expected one or more "-----BEGIN CERTIFICATE-----" blocks`);
  }
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch {
      throw new InputError(`${where}: ${path} is not a valid PEM certificate file (certificate ${i + 1} of ${blocks.length} cannot be parsed)`);
    }
  }
  return path;
}

/** An account's network settings: its own values first, then the command line's defaults. */
export function parseNetwork(
  raw: { readonly proxyUrl?: string | undefined; readonly caFile?: string | undefined },
  where: { readonly proxyUrl: string; readonly caFile: string },
  defaults: NetworkOptions = {},
): NetworkOptions | undefined {
  const proxyUrl = raw.proxyUrl !== undefined ? parseProxyUrl(raw.proxyUrl, where.proxyUrl) : defaults.proxyUrl;
  const caFile = raw.caFile !== undefined ? checkCaFile(raw.caFile, where.caFile) : defaults.caFile;
  if (proxyUrl === undefined && caFile === undefined) return undefined;
  return { ...(proxyUrl !== undefined ? { proxyUrl } : {}), ...(caFile !== undefined ? { caFile } : {}) };
}

/** Length of an API key, in characters: real ones are 32 or so; a token can be longer. */
export const MIN_KEY_LENGTH = 8;
export const MAX_KEY_LENGTH = 1024;

/**
 * The one validator of an API key, wherever it comes from (a key file, an environment variable, the
 * action's input, the guard's options): the text trimmed, then one line of printable ASCII without
 * spaces, MIN_KEY_LENGTH to MAX_KEY_LENGTH characters. The message never quotes the key.
 */
export function checkKey(key: string, source: string): string {
  const k = key.trim();
  if (k === "") throw new InputError(`${source} is empty; expected the provider's API key`);
  if (/[\r\n]/.test(k)) throw new InputError(`${source} holds more than one line; expected the key alone on one line`);
  if (/\s/.test(k)) throw new InputError(`${source} contains white space inside the key; expected the key alone on one line`);
  const bad = [...k].findIndex((c) => c < "!" || c > "~");
  if (bad !== -1) {
    throw new InputError(`${source} contains a character that is not printable ASCII (at position ${bad + 1}); expected the key as the provider shows it`);
  }
  if (k.length < MIN_KEY_LENGTH || k.length > MAX_KEY_LENGTH) {
    throw new InputError(`${source} is ${k.length} characters long; expected an API key of ${MIN_KEY_LENGTH} to ${MAX_KEY_LENGTH} characters`);
  }
  return k;
}

export async function readKeyFile(path: string, where: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new InputError(`${where}: cannot read the API key file ${path} (${fileErrorReason(err)})`);
  }
  return checkKey(text, `${where}: the API key file ${path}`);
}

export interface SingleAccountInput {
  readonly provider: string;
  readonly apiUrl?: string;
  readonly apiKeyFile?: string;
  readonly currency?: string;
  readonly pollInterval?: string;
  readonly prices?: PriceTable;
  readonly name?: string;
  /** --proxy.url */
  readonly proxyUrl?: string;
  /** --tls.ca-file */
  readonly caFile?: string;
  readonly env: NodeJS.ProcessEnv;
}

/** One account from the command line: key from --api-key-file, else CAPTCHA_API_KEY. */
export async function accountFromEnv(input: SingleAccountInput): Promise<AccountConfig> {
  const provider = parseProviderName(input.provider, "--provider");
  let apiKey: string;
  if (input.apiKeyFile) {
    apiKey = await readKeyFile(input.apiKeyFile, "--api-key-file");
  } else if (input.env.CAPTCHA_API_KEY !== undefined) {
    apiKey = checkKey(input.env.CAPTCHA_API_KEY, "CAPTCHA_API_KEY");
  } else {
    throw new InputError("no API key: set CAPTCHA_API_KEY in the environment or pass --api-key-file FILE");
  }
  const currency = input.currency ? parseCurrency(input.currency, "--currency") : getProvider(provider).defaultCurrency;
  const network = parseNetwork(input, { proxyUrl: "--proxy.url", caFile: "--tls.ca-file" });
  return {
    name: input.name ?? provider,
    provider,
    apiKey,
    ...(input.apiUrl ? { apiUrl: parseApiUrl(input.apiUrl, "--api-url") } : {}),
    currency,
    ...(input.pollInterval ? { pollIntervalMs: parsePollInterval(input.pollInterval, "--poll.interval") } : {}),
    prices: effectivePrices(provider, currency, input.prices),
    ...(network ? { network } : {}),
  };
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  return typeof v === "object" ? "a mapping" : `${typeof v} ${JSON.stringify(v)}`;
}

function str(obj: Record<string, unknown>, key: string, where: string, required: boolean): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) {
    if (required) throw new InputError(`${where}.${key}: missing; expected a string`);
    return undefined;
  }
  if (typeof v !== "string" || v.trim() === "") throw new InputError(`${where}.${key}: expected a non-empty string, got ${typeName(v)}`);
  return v;
}

/**
 * Which accounts of a file are wanted: all (the exporter), or the one named (`balance` / `check
 * --account NAME`), whose key alone is then read, so trying one account needs only its own key.
 * `where` names the choice in the message when the file has no such account.
 */
export interface ConfigSelection {
  readonly account: string;
  readonly where: string;
}

/**
 * Validates a parsed YAML document; `file` names it in messages. Keys are resolved from `env`/files.
 * `defaults` (--proxy.url, --tls.ca-file) apply to accounts that set no proxy_url / ca_file. With
 * `only`, every account is still checked, but only the named one's key is read and it alone returned.
 */
export async function parseConfig(
  doc: unknown,
  file: string,
  env: NodeJS.ProcessEnv,
  defaults: NetworkOptions = {},
  only?: ConfigSelection,
): Promise<AccountConfig[]> {
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) {
    throw new InputError(`${file}: expected a mapping with an "accounts" list at the top, got ${typeName(doc)}`);
  }
  const top = doc as Record<string, unknown>;
  for (const k of Object.keys(top)) {
    if (k !== "accounts") throw new InputError(`${file}: unknown top-level field "${k}"; expected only "accounts"`);
  }
  const list = top.accounts;
  if (!Array.isArray(list) || list.length === 0) {
    throw new InputError(`${file}: "accounts" must be a non-empty list of accounts, got ${typeName(list)}`);
  }
  const out: AccountConfig[] = [];
  const names = new Set<string>();
  for (const [i, item] of list.entries()) {
    const where = `${file}: accounts[${i}]`;
    if (!item || typeof item !== "object" || Array.isArray(item)) throw new InputError(`${where}: expected a mapping, got ${typeName(item)}`);
    const a = item as Record<string, unknown>;
    if ("api_key" in a) {
      throw new InputError(`${where}.api_key: a literal key is not accepted in the file; use api_key_file (a path) or api_key_env (a variable name)`);
    }
    for (const k of Object.keys(a)) {
      if (!(ACCOUNT_FIELDS as readonly string[]).includes(k)) {
        throw new InputError(`${where}: unknown field "${k}"; expected ${ACCOUNT_FIELDS.join(", ")}`);
      }
    }
    const name = str(a, "name", where, true)!;
    if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(name)) throw new InputError(`${where}.name: "${name}" must be 1–64 letters, digits, _ . : or -`);
    if (names.has(name)) throw new InputError(`${where}.name: "${name}" is used twice; account names must be unique`);
    names.add(name);
    const providerRaw = str(a, "provider", where, true)!;
    const generic = providerRaw.trim().toLowerCase() === HTTP_JSON;
    if (!generic && !isProviderName(providerRaw.trim().toLowerCase())) {
      throw new InputError(
        `${where}.provider: unknown provider "${providerRaw}"; expected one of ${PROVIDER_NAMES.join(", ")}, or ${HTTP_JSON} (with an http_json block) for any other prepaid API`,
      );
    }
    const provider: ProviderName | typeof HTTP_JSON = generic ? HTTP_JSON : parseProviderName(providerRaw, `${where}.provider`);
    if (!generic && a.http_json !== undefined) {
      throw new InputError(`${where}.http_json: only for provider: ${HTTP_JSON}; ${provider} is built in (remove http_json)`);
    }
    if (generic && a.http_json === undefined) {
      throw new InputError(`${where}.http_json: missing; an ${HTTP_JSON} account says how to ask for its balance (see docs/providers.md)`);
    }
    if (generic && a.api_url !== undefined) {
      throw new InputError(`${where}.api_url: not used by ${HTTP_JSON} accounts; the whole URL is http_json.url`);
    }
    const keyFile = str(a, "api_key_file", where, false);
    const keyEnv = str(a, "api_key_env", where, false);
    if ((keyFile === undefined) === (keyEnv === undefined)) {
      throw new InputError(`${where}: set exactly one of api_key_file (a path) or api_key_env (an environment variable name)`);
    }
    const wanted = only === undefined || only.account === name;
    let apiKey = "";
    if (!wanted) {
      // another account's key: not read (its file or variable need not exist where one account is tried)
    } else if (keyFile !== undefined) {
      apiKey = await readKeyFile(keyFile, `${where}.api_key_file`);
    } else {
      const value = env[keyEnv!];
      if (value === undefined) throw new InputError(`${where}.api_key_env: the environment variable ${keyEnv} is not set`);
      apiKey = checkKey(value, `${where}.api_key_env: the environment variable ${keyEnv}`);
    }
    const apiUrl = str(a, "api_url", where, false);
    const currencyRaw = str(a, "currency", where, false);
    const explicitCurrency = currencyRaw ? parseCurrency(currencyRaw, `${where}.currency`) : undefined;
    const httpJson = generic ? parseHttpJsonSpec(a.http_json, where, explicitCurrency) : undefined;
    const currency = explicitCurrency ?? (generic ? httpJson!.currency : getProvider(provider as ProviderName).defaultCurrency);
    let pollIntervalMs: number | undefined;
    if (a.poll_interval !== undefined) {
      if (typeof a.poll_interval !== "string" && typeof a.poll_interval !== "number") {
        throw new InputError(`${where}.poll_interval: expected a duration such as 5m, got ${typeName(a.poll_interval)}`);
      }
      pollIntervalMs = parsePollInterval(a.poll_interval, `${where}.poll_interval`);
    }
    const overrides: Record<string, number> = {};
    if (a.prices !== undefined) {
      if (!a.prices || typeof a.prices !== "object" || Array.isArray(a.prices)) {
        throw new InputError(`${where}.prices: expected a mapping of CAPTCHA type to price per solve, got ${typeName(a.prices)}`);
      }
      for (const [t, p] of Object.entries(a.prices as Record<string, unknown>)) {
        const type = parseCaptchaType(t, `${where}.prices`);
        if (typeof p !== "number" && typeof p !== "string") {
          throw new InputError(`${where}.prices.${type}: expected a price per solve greater than 0, got ${typeName(p)}`);
        }
        if (type in overrides) throw new InputError(`${where}.prices.${type}: listed twice (as spelled differently); list each CAPTCHA type once`);
        overrides[type] = parsePrice(p, `${where}.prices.${type}`);
      }
    }
    const network = parseNetwork(
      { proxyUrl: str(a, "proxy_url", where, false), caFile: str(a, "ca_file", where, false) },
      { proxyUrl: `${where}.proxy_url`, caFile: `${where}.ca_file` },
      defaults,
    );
    if (!wanted) continue;
    out.push({
      name,
      provider,
      ...(httpJson ? { httpJson } : {}),
      apiKey,
      ...(apiUrl ? { apiUrl: parseApiUrl(apiUrl, `${where}.api_url`) } : {}),
      currency,
      ...(pollIntervalMs !== undefined ? { pollIntervalMs } : {}),
      prices: effectivePrices(provider, currency, overrides),
      ...(network ? { network } : {}),
    });
  }
  if (only !== undefined && out.length === 0) {
    throw new InputError(`${only.where}: ${file} has no account "${only.account}"; expected one of ${[...names].join(", ")}`);
  }
  return out;
}

export async function loadConfigFile(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
  defaults: NetworkOptions = {},
  only?: ConfigSelection,
): Promise<AccountConfig[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new InputError(`cannot read the configuration file ${path} (${fileErrorReason(err)})`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    const e = err as { message?: string; linePos?: Array<{ line: number; col: number }> };
    const pos = e.linePos?.[0] ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : "";
    throw new InputError(`${path}: not valid YAML${pos}: ${(e.message ?? "").split("\n")[0]}`);
  }
  return parseConfig(doc, path, env, defaults, only);
}
