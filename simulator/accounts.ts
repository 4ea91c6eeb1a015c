/**
 * The simulated accounts: their balances, spent over simulated time by their spend processes, and
 * the hour-by-hour ledger of that spend (for getSpendingStats). An account is brought up to the
 * simulated now (`touch`) whenever it is read or changed.
 */
import { InputError } from "../core/errors.ts";
import type { SimClock } from "./clock.ts";
import type { SimAccountConfig } from "./options.ts";
import { defaultCurrency, defaultDecimals, type Flavour } from "./protocol.ts";
import {
  advance,
  depositNow,
  initialState,
  NO_SPEND,
  type ScenarioName,
  type SpendProcess,
  type SpendState,
  scenario,
  setBalanceNow,
  spendNow,
} from "./spend.ts";
import { HourLedger } from "./spend-history.ts";

export interface Account {
  readonly id: string;
  readonly key: string;
  readonly flavour: Flavour;
  readonly currency: string;
  readonly decimals: number;
  readonly captchaCredits: number;
  readonly solvePrice: number;
  solves: { accepted: number; refusedZeroBalance: number };
  process: SpendProcess;
  state: SpendState;
  /** What was spent, hour by hour of the simulated calendar (getSpendingStats). */
  readonly ledger: HourLedger;
}

export interface SimAccountState {
  readonly id: string;
  readonly flavour: Flavour;
  readonly currency: string;
  readonly decimals: number;
  readonly balance: number;
  readonly spentTotal: number;
  readonly depositedTotal: number;
  readonly spend: SpendProcess;
  readonly solvePrice: number;
  /** Solve requests accepted (and charged), and refused with ERROR_ZERO_BALANCE. */
  readonly solves: { readonly accepted: number; readonly refusedZeroBalance: number };
}

export interface AccountBookSettings {
  /** The flavour of accounts that name none. */
  readonly flavour: Flavour;
  readonly clock: SimClock;
  /** Seed of the spend processes that have none (account i gets seed + i). */
  readonly seed: number;
  /** Wall-clock origin of simulated time (ms). */
  readonly originEpochMs: number;
}

export class AccountBook {
  /** In the order they were configured. */
  readonly all: readonly Account[];
  readonly #byKey: ReadonlyMap<string, Account>;
  readonly #byId: ReadonlyMap<string, Account>;
  readonly #settings: AccountBookSettings;

  constructor(configs: readonly SimAccountConfig[], settings: AccountBookSettings) {
    this.#settings = settings;
    this.all = configs.map((c, i) => this.#open(c, i));
    this.#byKey = new Map(this.all.map((a) => [a.key, a]));
    this.#byId = new Map(this.all.map((a) => [a.id, a]));
  }

  /** The account with this key, as it stands (not brought up to date). */
  byKey(key: string): Account | undefined {
    return this.#byKey.get(key);
  }

  /** The account with this id, as it stands (not brought up to date). */
  byId(id: string): Account | undefined {
    return this.#byId.get(id);
  }

  /** The account with this key, brought up to date; an InputError when no account has it. */
  mustTouch(key: string): Account {
    const a = this.#byKey.get(key);
    if (!a) throw new InputError("simulator: no account has the given key");
    return this.touch(a);
  }

  /** Spends the account's balance up to the simulated now, recording the spend in its ledger. */
  touch(a: Account): Account {
    const before = a.state;
    a.state = advance(a.process, a.state, this.#settings.clock.now());
    a.ledger.add(this.calendar(before.t), this.calendar(a.state.t), a.state.spentTotal - before.spentTotal);
    return a;
  }

  /** Sets the balance now (an administrative change: neither spend nor deposit). */
  setBalance(a: Account, balance: number): void {
    a.state = setBalanceNow(a.state, balance);
  }

  /** Adds money now (counted as a deposit). */
  deposit(a: Account, amount: number): void {
    a.state = depositNow(a.state, amount);
  }

  /** Charges `amount` now (a solve), recorded in the ledger at this moment. */
  charge(a: Account, amount: number): void {
    const spentBefore = a.state.spentTotal;
    a.state = spendNow(a.state, amount);
    a.ledger.add(this.calendar(a.state.t), this.calendar(a.state.t), a.state.spentTotal - spentBefore);
  }

  /** Replaces the account's spend process from now on. */
  setSpend(a: Account, spend: SpendProcess | ScenarioName): void {
    a.process = this.#process(spend, this.all.indexOf(a));
  }

  /** The account as the state shows it, brought up to date. */
  stateOf(a: Account): SimAccountState {
    this.touch(a);
    return {
      id: a.id,
      flavour: a.flavour,
      currency: a.currency,
      decimals: a.decimals,
      balance: a.state.balance,
      spentTotal: a.state.spentTotal,
      depositedTotal: a.state.depositedTotal,
      spend: a.process,
      solvePrice: a.solvePrice,
      solves: { ...a.solves },
    };
  }

  /** The simulation origin on the calendar (Unix seconds). */
  get originSeconds(): number {
    return this.#settings.originEpochMs / 1000;
  }

  /** Simulated seconds on the simulated calendar (Unix seconds; the wall clock at 1x). */
  calendar(simSeconds: number): number {
    return this.#settings.originEpochMs / 1000 + simSeconds;
  }

  #open(c: SimAccountConfig, index: number): Account {
    const flavour = c.flavour ?? this.#settings.flavour;
    return {
      id: c.id ?? `account-${index + 1}`,
      key: c.key,
      flavour,
      currency: c.currency ?? defaultCurrency(flavour),
      decimals: c.decimals ?? defaultDecimals(flavour),
      captchaCredits: c.captchaCredits ?? 0,
      solvePrice: c.solvePrice ?? 0.003,
      solves: { accepted: 0, refusedZeroBalance: 0 },
      process: this.#process(c.spend, index),
      state: initialState(c.balance, 0),
      ledger: new HourLedger(),
    };
  }

  /** The process `spend` names (none: the balance never moves), seeded for account `index`. */
  #process(spend: SpendProcess | ScenarioName | undefined, index: number): SpendProcess {
    const { seed, originEpochMs } = this.#settings;
    if (spend === undefined) return NO_SPEND;
    if (typeof spend === "string") return scenario(spend, seed + index, originEpochMs).process;
    return { ...spend, seed: spend.seed ?? seed + index, originEpochMs: spend.originEpochMs ?? originEpochMs };
  }
}
