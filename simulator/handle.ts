/** The simulator as a program drives it: the `Simulator` handle `startSimulator` resolves to. */
import { InputError } from "../core/errors.ts";
import type { AccountBook, SimAccountState } from "./accounts.ts";
import type { SimClock } from "./clock.ts";
import type { ProtocolCounts, RequestCounter, SimCounts } from "./counts.ts";
import type { Fault, FaultQueue, FaultScope } from "./faults.ts";
import type { Flavour, Protocol } from "./protocol.ts";
import { isScenarioName, type ScenarioName, type SpendProcess, validateProcess } from "./spend.ts";

export interface SimState {
  readonly url: string;
  readonly flavour: Flavour;
  readonly timeScale: number;
  readonly simulatedSeconds: number;
  readonly accounts: readonly SimAccountState[];
  readonly faults: readonly Record<string, unknown>[];
  readonly counts: SimCounts;
}

export interface Simulator {
  /** Base URL to give clients as `apiUrl` (no trailing slash), e.g. http://127.0.0.1:40123. */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  /** Sets an account's balance now (an administrative change: neither spend nor deposit). */
  setBalance(key: string, balance: number): void;
  /** The account's balance now, unrounded. */
  getBalance(key: string): number;
  /** Adds money now (counted as a deposit). */
  deposit(key: string, amount: number): void;
  /** Replaces the account's spend process from now on. */
  setSpend(key: string, spend: SpendProcess | ScenarioName): void;
  /** Adds a fault; returns its id. Faults apply in the order they were added. */
  injectFault(fault: Fault, scope?: FaultScope): number;
  /** Removes every fault; returns how many there were. */
  clearFaults(): number;
  /** Spend-history (getSpendingStats) requests received, from any key; not counted as balance requests. */
  spendingStatsCount(): number;
  /** Protocol requests received, for one account key (or all keys), for one protocol (or both). */
  requestCount(key?: string, protocol?: Protocol): number;
  counts(): SimCounts;
  resetCounts(): void;
  /** Jumps simulated time forward (seconds). */
  advanceTime(simulatedSeconds: number): void;
  setTimeScale(timeScale: number): void;
  /** Simulated seconds since the start. */
  simulatedSeconds(): number;
  state(): SimState;
  /** Stops listening and ends every open connection, hanging and delayed ones included. */
  close(): Promise<void>;
}

/** The parts of a running simulator. */
export interface SimParts {
  readonly host: string;
  readonly flavour: Flavour;
  readonly clock: SimClock;
  readonly book: AccountBook;
  readonly counter: RequestCounter;
  readonly faults: FaultQueue;
  readonly spendingStats: { readonly calls: number };
}

export class SimulatorHandle implements Simulator {
  url = "";
  port = 0;
  readonly host: string;
  readonly #p: SimParts;
  #close: () => Promise<void> = async () => {};

  constructor(parts: SimParts) {
    this.#p = parts;
    this.host = parts.host;
  }

  /** Once the server listens: where, and how to stop it. */
  listening(url: string, port: number, close: () => Promise<void>): void {
    this.url = url;
    this.port = port;
    this.#close = close;
  }

  setBalance(key: string, balance: number): void {
    if (!(Number.isFinite(balance) && balance >= 0)) throw new InputError("simulator: balance must be a number >= 0");
    this.#p.book.setBalance(this.#p.book.mustTouch(key), balance);
  }

  getBalance(key: string): number {
    return this.#p.book.mustTouch(key).state.balance;
  }

  deposit(key: string, amount: number): void {
    if (!(Number.isFinite(amount) && amount > 0)) throw new InputError("simulator: deposit must be a number > 0");
    this.#p.book.deposit(this.#p.book.mustTouch(key), amount);
  }

  setSpend(key: string, spend: SpendProcess | ScenarioName): void {
    if (typeof spend === "string" && !isScenarioName(spend))
      throw new InputError("simulator: unknown scenario; expected steady, diurnal, batch, topups, leak or demo");
    if (typeof spend === "object") {
      const problem = validateProcess(spend);
      if (problem) throw new InputError(`simulator: spend: ${problem}`);
    }
    this.#p.book.setSpend(this.#p.book.mustTouch(key), spend);
  }

  injectFault(fault: Fault, scope: FaultScope = {}): number {
    return this.#p.faults.add(fault, scope);
  }

  clearFaults(): number {
    return this.#p.faults.clear();
  }

  spendingStatsCount(): number {
    return this.#p.spendingStats.calls;
  }

  requestCount(key?: string, protocol?: Protocol): number {
    const c: ProtocolCounts = this.#p.counter.of(key);
    return protocol ? c[protocol] : c.total;
  }

  counts(): SimCounts {
    return this.#p.counter.counts();
  }

  resetCounts(): void {
    this.#p.counter.reset();
  }

  advanceTime(seconds: number): void {
    if (!(Number.isFinite(seconds) && seconds >= 0)) throw new InputError("simulator: advanceTime needs seconds >= 0");
    this.#p.clock.advance(seconds);
  }

  setTimeScale(n: number): void {
    if (!(Number.isFinite(n) && n >= 0)) throw new InputError("simulator: timeScale must be a number >= 0");
    this.#p.clock.setScale(n);
  }

  simulatedSeconds(): number {
    return this.#p.clock.now();
  }

  state(): SimState {
    const { book, clock, faults } = this.#p;
    return {
      url: this.url,
      flavour: this.#p.flavour,
      timeScale: clock.scale,
      simulatedSeconds: clock.now(),
      accounts: book.all.map((a) => book.stateOf(a)),
      faults: faults.describe((k) => book.byKey(k)?.id ?? "(unknown key)"),
      counts: this.counts(),
    };
  }

  close(): Promise<void> {
    return this.#close();
  }
}
