/**
 * A provider from its definition: the one place a built-in provider's balance call is made, for every
 * protocol — one request through callProvider() (core/http.ts, then transport failures and the
 * protocol's parser, the key redacted), a balance on the wire in other units (cents, points) divided
 * into the provider's currency.
 */
import { callProvider } from "./call.ts";
import { clientKeyProtocol } from "./client-key.ts";
import { dbcUserProtocol } from "./dbc-user.ts";
import type { ProtocolName, ProviderDefinition } from "./define.ts";
import { legacyProtocol } from "./legacy.ts";
import { nopechaProtocol } from "./nopecha-status.ts";
import type { Answer } from "./parse.ts";
import type { BalanceProtocol } from "./protocol.ts";
import { fetchSpendingStats } from "./spending-stats.ts";
import type { BalanceRequest, BalanceResult, Provider, ProviderName } from "./types.ts";

export const PROTOCOLS: Readonly<Record<ProtocolName, BalanceProtocol>> = {
  legacy: legacyProtocol,
  "client-key": clientKeyProtocol,
  nopecha: nopechaProtocol,
  deathbycaptcha: dbcUserProtocol,
};

/** Reads one answer as `def`'s protocol does, in `def`'s currency. Pure; for tests of documented bodies. */
export function parseFor(def: ProviderDefinition, answer: Answer): BalanceResult {
  const result = PROTOCOLS[def.protocol].parse(answer, def);
  return scaled(result, def.balanceDivisor);
}

function scaled(result: BalanceResult, divisor: number | undefined): BalanceResult {
  if (!result.ok || divisor === undefined || divisor === 1) return result;
  return { ...result, balance: result.balance / divisor };
}

export function makeProvider(def: ProviderDefinition<ProviderName>): Provider {
  const protocol = PROTOCOLS[def.protocol];
  return {
    name: def.name,
    defaultBaseUrl: def.defaultBaseUrl,
    defaultCurrency: def.defaultCurrency,
    minPollIntervalMs: def.minPollIntervalMs,
    defaultPollIntervalMs: def.defaultPollIntervalMs,
    banCooldownMs: def.banCooldownMs,
    async getBalance(req: BalanceRequest): Promise<BalanceResult> {
      const call = protocol.request(req.apiUrl ?? def.defaultBaseUrl, req.apiKey);
      const result = await callProvider(call, req, (answer) => protocol.parse(answer, def));
      return scaled(result, def.balanceDivisor);
    },
    ...(def.spendingStats ? { getSpendHistory: (req: BalanceRequest) => fetchSpendingStats(def, req) } : {}),
  };
}
