/** Balance requests counted by key and protocol (only aggregated views, by account id, leave here). */
import type { AccountBook } from "./accounts.ts";
import { type Protocol, PROTOCOLS } from "./protocol.ts";

export type ProtocolCounts = { total: number } & Record<Protocol, number>;

export interface SimCounts extends ProtocolCounts {
  /** Requests per account id. */
  readonly accounts: Record<string, ProtocolCounts>;
  /** Requests whose key matched no account (including missing keys). */
  readonly unknownKey: ProtocolCounts;
}

/** Distinct unknown keys counted one by one; more share one counter. */
const MAX_KEYS = 10_000;
const OVERFLOW = "\u0000overflow";

export function emptyCounts(): ProtocolCounts {
  const c = { total: 0 } as ProtocolCounts;
  for (const p of PROTOCOLS) c[p] = 0;
  return c;
}

export class RequestCounter {
  readonly #book: AccountBook;
  #byKey = new Map<string, ProtocolCounts>();

  constructor(book: AccountBook) {
    this.#book = book;
  }

  count(key: string, protocol: Protocol): void {
    let c = this.#byKey.get(key);
    if (!c) {
      if (this.#byKey.size >= MAX_KEYS && !this.#book.byKey(key)) key = OVERFLOW;
      c = this.#byKey.get(key) ?? emptyCounts();
      this.#byKey.set(key, c);
    }
    c.total++;
    c[protocol]++;
  }

  /** The counts of one key (every key counted so far when none is given). */
  of(key?: string): ProtocolCounts {
    if (key === undefined) return this.counts();
    return this.#byKey.get(key) ?? emptyCounts();
  }

  counts(): SimCounts {
    const all = emptyCounts();
    const unknownKey = emptyCounts();
    const perAccount: Record<string, ProtocolCounts> = {};
    for (const a of this.#book.all) perAccount[a.id] = emptyCounts();
    for (const [key, c] of this.#byKey) {
      const a = this.#book.byKey(key);
      const into = a ? perAccount[a.id]! : unknownKey;
      for (const t of [into, all]) {
        t.total += c.total;
        for (const p of PROTOCOLS) t[p] += c[p];
      }
    }
    return { ...all, accounts: perAccount, unknownKey };
  }

  reset(): void {
    this.#byKey = new Map();
  }
}
