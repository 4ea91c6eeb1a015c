/** The simulated clock: simulated seconds run at `scale` per real second (0 freezes them). */
export class SimClock {
  /** The real clock in ms. */
  readonly realNow: () => number;
  #realBase: number;
  #simBase = 0;
  #scale: number;

  constructor(realNow: () => number, scale: number) {
    this.realNow = realNow;
    this.#realBase = realNow();
    this.#scale = scale;
  }

  /** Simulated seconds per real second. */
  get scale(): number {
    return this.#scale;
  }

  /** Simulated seconds since the start. */
  now(): number {
    return this.#simBase + ((this.realNow() - this.#realBase) / 1000) * this.#scale;
  }

  /** Jumps simulated time forward. */
  advance(seconds: number): void {
    this.#simBase += seconds;
  }

  /** Runs at `scale` from now on, simulated time so far kept. */
  setScale(scale: number): void {
    this.#simBase = this.now();
    this.#realBase = this.realNow();
    this.#scale = scale;
  }
}
