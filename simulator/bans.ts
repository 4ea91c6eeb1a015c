/**
 * IP bans after repeated wrong keys, per client address, as the providers impose them (off unless
 * the simulator's `ban` option is given): after `afterWrongKeys` requests with an unknown or
 * malformed key, every request from that address gets the flavour's ban code for the cool-down.
 */
import type { BanRule } from "./options.ts";
import { banCooldownMs, type Flavour } from "./protocol.ts";

export class BanList {
  readonly #rule: BanRule | undefined;
  readonly #now: () => number;
  readonly #wrongKeys = new Map<string, number>();
  readonly #bannedUntil = new Map<string, number>();

  constructor(rule: BanRule | undefined, now: () => number) {
    this.#rule = rule;
    this.#now = now;
  }

  /** Counts a wrong key from `client`; bans it (for `flavour`'s cool-down unless the rule sets one) at the limit. */
  recordWrongKey(client: string, flavour: Flavour): void {
    if (!this.#rule) return;
    const n = (this.#wrongKeys.get(client) ?? 0) + 1;
    if (n >= this.#rule.afterWrongKeys) {
      this.#wrongKeys.delete(client);
      this.#bannedUntil.set(client, this.#now() + (this.#rule.cooldownMs ?? banCooldownMs(flavour)));
    } else this.#wrongKeys.set(client, n);
  }

  isBanned(client: string): boolean {
    if (!this.#rule) return false;
    const until = this.#bannedUntil.get(client);
    if (until === undefined) return false;
    if (this.#now() >= until) {
      this.#bannedUntil.delete(client);
      return false;
    }
    return true;
  }
}
