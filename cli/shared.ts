/** Options and helpers shared by the CLI's provider commands. */
import type { Argv } from "yargs";
import type { RetryInfo } from "../core/balance.ts";
import { type AccountConfig, accountFromEnv, loadConfigFile, parseNetwork } from "../core/config.ts";
import { MAX_RETRIES, parseRetries as parseCoreRetries } from "../core/count.ts";
import { parseCheckTimeout } from "../core/duration.ts";
import { InputError } from "../core/errors.ts";
import { PROVIDER_NAMES } from "../core/providers/types.ts";

export interface ProviderArgs {
  provider?: string;
  "config.file"?: string;
  account?: string;
  "api-url"?: string;
  "api-key-file"?: string;
  currency?: string;
  "proxy.url"?: string;
  "tls.ca-file"?: string;
  timeout: string;
  retries: string;
  json: boolean;
}

export function withProviderOptions<T>(y: Argv<T>): Argv<T & ProviderArgs> {
  return y
    // `proxy.url`, `tls.ca-file`: flat names with dots, as the exporter's flags
    .parserConfiguration({ "dot-notation": false })
    .option("provider", {
      type: "string",
      describe: `Provider: ${PROVIDER_NAMES.join(", ")} (default captchaai)`,
    })
    .option("config.file", {
      type: "string",
      describe: "Read the account from this YAML accounts file (the exporter's), e.g. to try an http-json account; with --account NAME when it lists several",
    })
    .option("account", { type: "string", describe: "The account of --config.file to use (by name)" })
    .option("api-url", { type: "string", describe: "Base URL instead of the provider's (a proxy, or the simulator)" })
    .option("api-key-file", {
      type: "string",
      describe: "Read the API key from this file (default: the CAPTCHA_API_KEY environment variable)",
    })
    .option("currency", { type: "string", describe: "Currency of the balance (default: the provider's; RuCaptcha: RUB)" })
    .option("proxy.url", {
      type: "string",
      describe: "HTTP(S) proxy for the provider calls, http://[user:password@]host:port (default: $HTTPS_PROXY / $HTTP_PROXY, except $NO_PROXY)",
    })
    .option("tls.ca-file", { type: "string", describe: "PEM file of CA certificates to trust besides Node's (a company proxy's CA); or $NODE_EXTRA_CA_CERTS" })
    .option("timeout", { type: "string", nargs: 1, default: "30s", describe: "Give up after this long, retries included (e.g. 30s, 2m; 1s to 10m)" })
    .option("retries", { type: "string", nargs: 1, default: "2", describe: `Retries of transient failures, 0 to ${MAX_RETRIES} (never of a rejected key)` })
    .option("json", { type: "boolean", default: false, describe: "Print one JSON object on stdout" }) as Argv<T & ProviderArgs>;
}

export function parseRetries(raw: string): number {
  return parseCoreRetries(raw, "--retries");
}

export function parseTimeout(raw: string): number {
  return parseCheckTimeout(raw, "--timeout");
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

export function fail(message: string, code = 2): void {
  process.stderr.write(`captcha-runway: ${message}\n`);
  process.exitCode = code;
}

/** Turns an InputError into exit 2 with its message; rethrows anything else. */
export async function guarded(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof InputError) {
      fail(err.message, 2);
      return;
    }
    throw err;
  }
}

/** The one account of a CLI command: provider options plus the key from the environment or a file. */
export async function accountFromArgs(argv: ProviderArgs): Promise<AccountConfig> {
  const file = argv["config.file"];
  if (file !== undefined) {
    for (const flag of ["provider", "api-url", "api-key-file", "currency"] as const) {
      if (argv[flag] !== undefined) throw new InputError(`--${flag}: not used with --config.file; set it in the file's account`);
    }
    // checked here (exit 2 naming the flag), then the defaults of accounts without their own
    const network = parseNetwork({ proxyUrl: argv["proxy.url"], caFile: argv["tls.ca-file"] }, { proxyUrl: "--proxy.url", caFile: "--tls.ca-file" }) ?? {};
    if (argv.account !== undefined) {
      // the named account's key alone is read: the others' files or variables need not exist here
      return (await loadConfigFile(file, process.env, network, { account: argv.account, where: "--account" }))[0]!;
    }
    const accounts = await loadConfigFile(file, process.env, network);
    if (accounts.length === 1) return accounts[0]!;
    throw new InputError(`--account: ${file} lists ${accounts.length} accounts; name one with --account (${accounts.map((a) => a.name).join(", ")})`);
  }
  if (argv.account !== undefined) throw new InputError("--account: names an account of --config.file; give the file too");
  return accountFromEnv({
    provider: argv.provider ?? "captchaai",
    ...(argv["api-url"] ? { apiUrl: argv["api-url"] } : {}),
    ...(argv["api-key-file"] ? { apiKeyFile: argv["api-key-file"] } : {}),
    ...(argv.currency ? { currency: argv.currency } : {}),
    ...(argv["proxy.url"] !== undefined ? { proxyUrl: argv["proxy.url"] } : {}),
    ...(argv["tls.ca-file"] !== undefined ? { caFile: argv["tls.ca-file"] } : {}),
    env: process.env,
  });
}

/** Tells on stderr that a transient failure is being retried. */
export function reportRetry(r: RetryInfo): void {
  process.stderr.write(`captcha-runway: ${r.failure.reason} (${r.failure.message}); retrying in ${(r.delayMs / 1000).toFixed(1)} s\n`);
}
