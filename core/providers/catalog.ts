/**
 * Every built-in provider's definition, by name: derived from the modules listed in services/index.ts.
 * Data only (no protocol code), so the action bundle and the simulator can read it cheaply.
 */
import type { ProviderDefinition } from "./define.ts";
import * as services from "./services/index.ts";

type Definitions = (typeof services)[keyof typeof services];

/** The name of a built-in provider. */
export type ProviderName = Definitions["name"];

const BY_NAME = new Map<string, ProviderDefinition<ProviderName>>(
  (Object.values(services) as ProviderDefinition<ProviderName>[]).map((d) => [d.name, d]),
);

/** Every built-in provider, sorted by name. */
export const PROVIDER_NAMES: readonly ProviderName[] = [...BY_NAME.keys()].sort() as ProviderName[];

export const DEFINITIONS: readonly ProviderDefinition<ProviderName>[] = PROVIDER_NAMES.map((n) => BY_NAME.get(n)!);

export function isProviderName(name: string): name is ProviderName {
  return BY_NAME.has(name);
}

export function getDefinition(name: ProviderName): ProviderDefinition<ProviderName> {
  return BY_NAME.get(name)!;
}
