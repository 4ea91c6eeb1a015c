/**
 * Sharding, after kube-state-metrics' `--shard` / `--total-shards`: M exporters share one accounts
 * file and each polls the accounts whose name hashes to its ordinal, so every account is polled by
 * exactly one of them. The hash is 32-bit FNV-1a over the UTF-8 bytes of the account name (nothing
 * else: the provider, the key or the file's order never move an account), modulo the number of
 * shards. It is fixed: changing it would move accounts between shards on an upgrade.
 *
 * `--shard.from-pod-name` reads the ordinal from a StatefulSet pod's name (`captcha-runway-2` is
 * shard 2): $POD_NAME (set it from the downward API, metadata.name), or the hostname, which a
 * StatefulSet sets to the pod's name.
 *
 * The one validator of the concept: every flag problem is an InputError naming the flag (exit 2).
 */
import { hostname } from "node:os";
import { parseWholeNumber } from "../core/count.ts";
import { InputError } from "../core/errors.ts";

export const POD_NAME_ENV = "POD_NAME";
/** A bound that keeps a typo (--total-shards 10000) from producing thousands of idle exporters. */
export const MAX_TOTAL_SHARDS = 1000;

export interface Shard {
  /** 0-based. */
  readonly ordinal: number;
  readonly total: number;
}

export const NO_SHARDING: Shard = { ordinal: 0, total: 1 };

export interface RawShardFlags {
  readonly shard?: string | number;
  readonly "total-shards"?: string | number;
  readonly "shard.from-pod-name"?: boolean;
}

/** The ordinal at the end of a StatefulSet pod name (`name-3`), or an InputError saying what was read. */
export function ordinalFromPodName(name: string, source: string): number {
  const m = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?-(\d{1,7})$/.exec(name);
  if (!m) {
    throw new InputError(
      `--shard.from-pod-name: ${source} is '${name}', which does not end in -ORDINAL like a StatefulSet pod name (e.g. captcha-runway-2); set $${POD_NAME_ENV} from the downward API (fieldRef metadata.name) or pass --shard N`,
    );
  }
  return Number(m[2]);
}

export interface ShardEnvironment {
  readonly env: NodeJS.ProcessEnv;
  /** Default: os.hostname(). */
  readonly hostname?: () => string;
}

/**
 * Flags → the shard this exporter serves. No flag: the only shard. `--total-shards M` with `--shard N`
 * (default 0) or `--shard.from-pod-name`; N must be below M.
 */
export function resolveShard(raw: RawShardFlags, where: ShardEnvironment): Shard {
  const fromPod = raw["shard.from-pod-name"] === true;
  const hasShard = raw.shard !== undefined;
  const hasTotal = raw["total-shards"] !== undefined;
  if (!fromPod && !hasShard && !hasTotal) return NO_SHARDING;
  if (fromPod && hasShard) throw new InputError("--shard and --shard.from-pod-name are exclusive: give the ordinal, or read it from the pod name");
  if (!hasTotal) {
    throw new InputError(`${fromPod ? "--shard.from-pod-name" : "--shard"} needs --total-shards M (how many exporters share the accounts, the StatefulSet's replicas)`);
  }
  const total = parseWholeNumber(raw["total-shards"]!, "--total-shards", 1, MAX_TOTAL_SHARDS, `expected a whole number of shards from 1 to ${MAX_TOTAL_SHARDS}`);
  let ordinal: number;
  let source: string;
  if (fromPod) {
    const pod = where.env[POD_NAME_ENV];
    source = pod !== undefined && pod !== "" ? `$${POD_NAME_ENV}` : "the hostname";
    const name = pod !== undefined && pod !== "" ? pod : (where.hostname ?? hostname)();
    ordinal = ordinalFromPodName(name, source);
    source = `${source} '${name}'`;
  } else {
    // above the range: the message below names --total-shards
    ordinal = hasShard ? parseWholeNumber(raw.shard!, "--shard", 0, Number.MAX_SAFE_INTEGER, `expected a shard ordinal from 0 to ${total - 1}`) : 0;
    source = "--shard";
  }
  if (ordinal >= total) {
    throw new InputError(
      `${fromPod ? "--shard.from-pod-name" : "--shard"}: ordinal ${ordinal} (from ${source}) is not below --total-shards ${total}; ordinals run from 0 to ${total - 1}`,
    );
  }
  return { ordinal, total };
}

/** 32-bit FNV-1a of the UTF-8 bytes of `text`. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, "utf8")) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The shard that polls the account with this name. */
export function shardOf(accountName: string, total: number): number {
  return total <= 1 ? 0 : fnv1a32(accountName) % total;
}

/** The accounts of one shard, in their configured order. */
export function accountsOfShard<T extends { readonly name: string }>(accounts: readonly T[], shard: Shard): T[] {
  return accounts.filter((a) => shardOf(a.name, shard.total) === shard.ordinal);
}
