/**
 * Solving, just enough of it: a solve charges the account's solve price (refused when the balance
 * cannot pay) and is ready at once with the token `sim-token-<id>`. Both protocol families' solve
 * calls (handlers/legacy.ts, handlers/client-key.ts) go through here.
 */
import type { Account, AccountBook } from "./accounts.ts";

/** Solve requests remembered for their result call (oldest forgotten first). */
const MAX_TASKS = 10_000;

export interface SolveTask {
  readonly key: string;
  readonly token: string;
}

export class SolveDesk {
  readonly #book: AccountBook;
  readonly #tasks = new Map<number, SolveTask>();
  #nextId = 1;

  constructor(book: AccountBook) {
    this.#book = book;
  }

  /** Charges one solve; the task id, or null when the balance cannot pay for it. */
  solve(account: Account): number | null {
    this.#book.touch(account);
    if (account.state.balance < account.solvePrice - 1e-9 || account.state.balance <= 0) {
      account.solves.refusedZeroBalance++;
      return null;
    }
    this.#book.charge(account, account.solvePrice);
    account.solves.accepted++;
    const id = this.#nextId++;
    this.#tasks.set(id, { key: account.key, token: `sim-token-${id}` });
    if (this.#tasks.size > MAX_TASKS) this.#tasks.delete(this.#tasks.keys().next().value as number);
    return id;
  }

  /** The task with this id (as sent: `Number(id)`), when the key's account asked for it. */
  result(id: unknown, key: string): SolveTask | undefined {
    const task = this.#tasks.get(Number(id));
    return task && task.key === key ? task : undefined;
  }
}
