/**
 * Provider names → implementations (as blackbox_exporter maps module names to probers), derived from
 * the definitions in services/ (one module per provider; see docs/providers.md).
 */
import { DEFINITIONS, isProviderName, PROVIDER_NAMES } from "./catalog.ts";
import { makeProvider } from "./provider.ts";
import type { Provider, ProviderName } from "./types.ts";

const PROVIDERS = new Map<ProviderName, Provider>(DEFINITIONS.map((d) => [d.name, makeProvider(d)]));

export { isProviderName };

export function getProvider(name: ProviderName): Provider {
  return PROVIDERS.get(name)!;
}

export { PROVIDER_NAMES };
