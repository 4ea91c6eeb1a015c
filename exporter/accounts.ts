/**
 * Turns the configured source of accounts into what the pollers need: a provider implementation, the
 * key, the interval (checked against the provider's minimum) and the price table.
 */
import { type AccountConfig, accountFromEnv, accountProvider, loadConfigFile } from "../core/config.ts";
import { InputError } from "../core/errors.ts";
import type { NetworkOptions } from "../core/http.ts";
import type { AccountSource } from "./flags.ts";
import { formatDuration } from "./landing.ts";
import type { PolledAccount } from "./poller.ts";

/**
 * A poll interval under the provider's minimum is refused (not silently raised): the operator asked
 * for something the provider forbids, and should decide what to do about it.
 */
export function toPolledAccount(cfg: AccountConfig): PolledAccount {
  const provider = accountProvider(cfg);
  const intervalMs = cfg.pollIntervalMs ?? provider.defaultPollIntervalMs;
  if (intervalMs < provider.minPollIntervalMs) {
    throw new InputError(
      `account '${cfg.name}': poll interval ${formatDuration(intervalMs / 1000)} is shorter than ${cfg.provider === "http-json" ? "its http_json.min_interval" : `${cfg.provider} allows for balance calls`}; ` +
        `use at least ${formatDuration(provider.minPollIntervalMs / 1000)} (default ${formatDuration(provider.defaultPollIntervalMs / 1000)})`,
    );
  }
  return {
    name: cfg.name,
    providerLabel: cfg.provider,
    provider,
    apiKey: cfg.apiKey,
    ...(cfg.apiUrl !== undefined ? { apiUrl: cfg.apiUrl } : {}),
    intervalMs,
    prices: cfg.prices,
    currency: cfg.currency,
    ...(cfg.network ? { network: cfg.network } : {}),
  };
}

export async function resolveAccounts(
  source: Exclude<AccountSource, { kind: "demo" }>,
  env: NodeJS.ProcessEnv,
  network: NetworkOptions = {},
): Promise<PolledAccount[]> {
  let configs: AccountConfig[];
  if (source.kind === "config-file") {
    configs = await loadConfigFile(source.path, env, network);
    if (configs.length === 0) throw new InputError(`${source.path}: the accounts list is empty; add at least one account`);
  } else {
    configs = [
      await accountFromEnv({
        provider: source.provider,
        ...(source.apiUrl !== undefined ? { apiUrl: source.apiUrl } : {}),
        ...(source.apiKeyFile !== undefined ? { apiKeyFile: source.apiKeyFile } : {}),
        ...(source.pollInterval !== undefined ? { pollInterval: source.pollInterval } : {}),
        ...(source.currency !== undefined ? { currency: source.currency } : {}),
        ...(network.proxyUrl !== undefined ? { proxyUrl: network.proxyUrl } : {}),
        ...(network.caFile !== undefined ? { caFile: network.caFile } : {}),
        env,
      }),
    ];
  }
  const seen = new Set<string>();
  for (const c of configs) {
    const k = `${c.name}\u0000${c.provider}`;
    if (seen.has(k)) throw new InputError(`account '${c.name}' (${c.provider}) is configured twice; account names must be unique`);
    seen.add(k);
  }
  return configs.map(toPolledAccount);
}
