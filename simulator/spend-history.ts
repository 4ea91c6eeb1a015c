/**
 * The simulator's answer to Anti-Captcha's getSpendingStats: what an account spent, hour by hour,
 * over the 24 completed hours before now, on the simulated calendar (the simulation origin's wall
 * time plus simulated seconds; the wall clock when time runs at 1x). Hours since the simulation
 * began come from a ledger of what was actually spent (the spend process and solves, never
 * deposits); hours before it from the account's spend process run backwards from the origin, as
 * if the account had been spending that way all along (so a fresh simulator has a day of history,
 * as a real account would). See docs/simulator.md.
 */
import { rateAt, type SpendProcess } from "./spend.ts";

const HOUR = 3600;
/** Hours of ledger kept per account. */
const KEEP_HOURS = 48;

/** Spend per hour of the simulated calendar (index: floor(calendar seconds / 3600)). */
export class HourLedger {
  readonly #hours = new Map<number, number>();

  /** Spreads `amount` evenly over [from, to) (calendar seconds); a point in time when they are equal. */
  add(from: number, to: number, amount: number): void {
    if (!(amount > 0)) return;
    if (!(to > from)) {
      this.#bump(Math.floor(from / HOUR), amount);
      return;
    }
    for (let h = Math.floor(from / HOUR); h * HOUR < to; h++) {
      const overlap = Math.min(to, (h + 1) * HOUR) - Math.max(from, h * HOUR);
      if (overlap > 0) this.#bump(h, (amount * overlap) / (to - from));
    }
    const oldest = Math.floor(to / HOUR) - KEEP_HOURS;
    for (const h of this.#hours.keys()) if (h < oldest) this.#hours.delete(h);
  }

  /** Spent in calendar hour `h` (0 when nothing was). */
  spentIn(h: number): number {
    return this.#hours.get(h) ?? 0;
  }

  #bump(h: number, amount: number): void {
    this.#hours.set(h, (this.#hours.get(h) ?? 0) + amount);
  }
}

/** What process `p` spends over simulated seconds [from, to), step by step (no balance limit, no deposits). */
export function processSpend(p: SpendProcess, from: number, to: number): number {
  const step = p.stepSeconds ?? 60;
  let total = 0;
  for (let s = Math.floor(from / step); s * step < to; s++) {
    const overlap = Math.min(to, (s + 1) * step) - Math.max(from, s * step);
    if (overlap > 0) total += rateAt(p, s, s * step) * overlap;
  }
  return total;
}

export interface SpendingStatsRecord {
  readonly dateFrom: number;
  readonly dateTill: number;
  readonly volume: number;
  readonly money: number;
}

/**
 * The 24 completed calendar hours before `nowSim` (simulated seconds), oldest first, as
 * getSpendingStats lists them: `dateTill` is the hour's last second, `volume` the spend in solves
 * of `solvePrice`, `money` rounded to 6 decimals.
 */
export function spendingStatsRecords(
  ledger: HourLedger,
  process: SpendProcess,
  originSec: number,
  nowSim: number,
  solvePrice: number,
): SpendingStatsRecord[] {
  const current = Math.floor((originSec + nowSim) / HOUR);
  const out: SpendingStatsRecord[] = [];
  for (let h = current - 24; h < current; h++) {
    const from = h * HOUR;
    const to = from + HOUR;
    // the part of the hour before the simulation began, from the process; the rest from the ledger
    const before = Math.min(to, originSec) - from;
    let money = ledger.spentIn(h);
    if (before > 0) money += processSpend(process, from - originSec, from - originSec + before);
    out.push({
      dateFrom: from,
      dateTill: to - 1,
      volume: solvePrice > 0 ? Math.round(money / solvePrice) : 0,
      money: Math.round(money * 1e6) / 1e6,
    });
  }
  return out;
}
