/**
 * The simulated spend process: how an account's balance moves over simulated time.
 *
 * Pure and deterministic. Simulated time is measured in seconds since the simulation origin (t = 0).
 * Time is cut into fixed steps (`stepSeconds`, 60 s by default); within step k the spend rate is
 * constant, computed from the step's start time and a pseudo-random draw that depends only on
 * (seed, k). The balance at time t therefore does not depend on how often, or in what chunks, the
 * process is advanced: sampling every second or once a day gives the same answer (up to rounding).
 *
 * The balance never goes below 0: once the money is gone, spending stops (and resumes after a deposit).
 */

/** Constant spending with multiplicative noise. */
export interface SteadyComponent {
  readonly kind: "steady";
  /** Mean spend, currency units per simulated hour. */
  readonly ratePerHour: number;
  /** Relative noise in [0, 1): each step's rate is multiplied by a factor in [1 - noise, 1 + noise]. */
  readonly noise?: number;
}

/** A business-hours cycle: busy on weekday afternoons, quiet at night and on weekends. */
export interface DiurnalComponent {
  readonly kind: "diurnal";
  /** Spend rate at the busiest moment of a weekday, units per hour. */
  readonly peakRatePerHour: number;
  /** Rate outside business hours, as a fraction of the peak (default 0.1). */
  readonly nightFactor?: number;
  /** Multiplier on Saturdays and Sundays (default 0.3). */
  readonly weekendFactor?: number;
  /** Business hours, local time, [startHour, endHour) (default 9–18). */
  readonly startHour?: number;
  readonly endHour?: number;
  /** Relative noise per step, as for steady (default 0). */
  readonly noise?: number;
}

/** Batch jobs: a small background rate plus periodic bursts. */
export interface BurstsComponent {
  readonly kind: "bursts";
  /** Spend rate between bursts, units per hour. */
  readonly backgroundRatePerHour: number;
  /** Spend rate during a burst, units per hour. */
  readonly burstRatePerHour: number;
  /** A burst starts every `everySeconds` (the first one at `everySeconds`, plus jitter). */
  readonly everySeconds: number;
  /** How long each burst lasts. */
  readonly durationSeconds: number;
  /** Random delay of each burst start, as a fraction of `everySeconds - durationSeconds` in [0, 1] (default 0). */
  readonly jitter?: number;
}

/** Periodic top-ups. */
export interface DepositsComponent {
  readonly kind: "deposits";
  /** Amount added at each top-up. */
  readonly amount: number;
  /** Top-ups happen at `firstAtSeconds + n * everySeconds` (n = 0, 1, …). */
  readonly everySeconds: number;
  /** Default: `everySeconds`. */
  readonly firstAtSeconds?: number;
}

/**
 * A top-up `afterSeconds` after the balance runs out, as an operator who notices the alert would do
 * (again each time it runs out).
 */
export interface RefillComponent {
  readonly kind: "refill";
  /** Amount added. */
  readonly amount: number;
  /** Simulated seconds the account stays empty before the top-up. */
  readonly afterSeconds: number;
}

/** From `atSeconds` on, every spending component spends `factor` times as fast (a leak, a runaway job). */
export interface SurgeComponent {
  readonly kind: "surge";
  readonly atSeconds: number;
  readonly factor: number;
}

export type SpendComponent =
  | SteadyComponent
  | DiurnalComponent
  | BurstsComponent
  | DepositsComponent
  | RefillComponent
  | SurgeComponent;

/** A combination of components; an empty list means the balance never moves. */
export interface SpendProcess {
  readonly components: readonly SpendComponent[];
  /** Seed of the pseudo-random draws (default 1). */
  readonly seed?: number;
  /** Length of a step in simulated seconds (default 60). */
  readonly stepSeconds?: number;
  /**
   * Wall-clock time of the simulation origin (ms since the epoch), used by `diurnal` to know the hour
   * and weekday; with `utcOffsetHours` (default 0) for the local time of the business hours.
   */
  readonly originEpochMs?: number;
  readonly utcOffsetHours?: number;
}

export const NO_SPEND: SpendProcess = { components: [] };

/** Where an account stands at a moment of simulated time. */
export interface SpendState {
  /** Simulated seconds since the origin. */
  readonly t: number;
  readonly balance: number;
  /** Sum of everything spent since the origin (monotonic). */
  readonly spentTotal: number;
  /** Sum of every top-up since the origin (monotonic; `setBalance` is not a deposit). */
  readonly depositedTotal: number;
  /** Simulated time the balance reached 0 and has stayed there since; null while there is money. */
  readonly emptySince: number | null;
}

export function initialState(balance: number, t = 0): SpendState {
  const b = Math.max(0, balance);
  return { t, balance: b, spentTotal: 0, depositedTotal: 0, emptySince: b > 0 ? null : t };
}

/** The state with `balance`, and since when it is empty (kept while it stays at 0). */
function withBalance(s: SpendState, balance: number): SpendState {
  const emptySince = balance > 0 ? null : (s.emptySince ?? s.t);
  return { ...s, balance, emptySince };
}

const HOUR = 3600;
const DAY = 24 * HOUR;

/** Checks a process and returns a description of the first problem, or null when it is valid. */
export function validateProcess(p: SpendProcess): string | null {
  const finite = (v: unknown) => typeof v === "number" && Number.isFinite(v);
  const nonNeg = (v: unknown) => finite(v) && (v as number) >= 0;
  const pos = (v: unknown) => finite(v) && (v as number) > 0;
  if (!Array.isArray(p.components)) return "components must be a list";
  if (p.stepSeconds !== undefined && !pos(p.stepSeconds)) return "stepSeconds must be a positive number";
  if (p.seed !== undefined && !finite(p.seed)) return "seed must be a number";
  for (const [i, c] of p.components.entries()) {
    const at = `components[${i}] (${String((c as { kind?: unknown }).kind)})`;
    switch (c.kind) {
      case "steady":
        if (!nonNeg(c.ratePerHour)) return `${at}: ratePerHour must be a number >= 0`;
        if (c.noise !== undefined && !(nonNeg(c.noise) && c.noise < 1)) return `${at}: noise must be in [0, 1)`;
        break;
      case "diurnal":
        if (!nonNeg(c.peakRatePerHour)) return `${at}: peakRatePerHour must be a number >= 0`;
        if (c.nightFactor !== undefined && !nonNeg(c.nightFactor)) return `${at}: nightFactor must be >= 0`;
        if (c.weekendFactor !== undefined && !nonNeg(c.weekendFactor)) return `${at}: weekendFactor must be >= 0`;
        if (c.noise !== undefined && !(nonNeg(c.noise) && c.noise < 1)) return `${at}: noise must be in [0, 1)`;
        if ((c.startHour ?? 9) >= (c.endHour ?? 18)) return `${at}: startHour must be before endHour`;
        break;
      case "bursts":
        if (!nonNeg(c.backgroundRatePerHour) || !nonNeg(c.burstRatePerHour))
          return `${at}: backgroundRatePerHour and burstRatePerHour must be numbers >= 0`;
        if (!pos(c.everySeconds) || !pos(c.durationSeconds) || c.durationSeconds > c.everySeconds)
          return `${at}: need 0 < durationSeconds <= everySeconds`;
        if (c.jitter !== undefined && !(nonNeg(c.jitter) && c.jitter <= 1)) return `${at}: jitter must be in [0, 1]`;
        break;
      case "deposits":
        if (!pos(c.amount)) return `${at}: amount must be a positive number`;
        if (!pos(c.everySeconds)) return `${at}: everySeconds must be a positive number`;
        if (c.firstAtSeconds !== undefined && !nonNeg(c.firstAtSeconds)) return `${at}: firstAtSeconds must be >= 0`;
        break;
      case "refill":
        if (!pos(c.amount)) return `${at}: amount must be a positive number`;
        if (!nonNeg(c.afterSeconds)) return `${at}: afterSeconds must be a number >= 0`;
        break;
      case "surge":
        if (!nonNeg(c.atSeconds)) return `${at}: atSeconds must be a number >= 0`;
        if (!nonNeg(c.factor)) return `${at}: factor must be a number >= 0`;
        break;
      default:
        return `${at}: unknown kind; expected steady, diurnal, bursts, deposits, refill or surge`;
    }
  }
  return null;
}

/** A uniform draw in [0, 1) that depends only on (seed, stream, index): a small integer hash. */
export function draw(seed: number, stream: number, index: number): number {
  let h = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca77) ^ Math.imul(index | 0, 0xc2b2ae3d)) >>> 0;
  h ^= Math.floor(index / 4294967296) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return h / 4294967296;
}

function noiseFactor(seed: number, stream: number, step: number, noise: number | undefined): number {
  if (!noise) return 1;
  return 1 + noise * (2 * draw(seed, stream, step) - 1);
}

function diurnalShape(c: DiurnalComponent, localSeconds: number): number {
  const dayIndex = Math.floor(localSeconds / DAY);
  // 1970-01-01 was a Thursday: weekday 0 = Sunday.
  const weekday = (((dayIndex + 4) % 7) + 7) % 7;
  const hour = (((localSeconds % DAY) + DAY) % DAY) / HOUR;
  const start = c.startHour ?? 9;
  const end = c.endHour ?? 18;
  const night = c.nightFactor ?? 0.1;
  let shape = night;
  if (hour >= start && hour < end) {
    // A smooth bump over business hours: night level at the edges, peak in the middle.
    const x = (hour - start) / (end - start);
    shape = night + (1 - night) * Math.sin(Math.PI * x);
  }
  if (weekday === 0 || weekday === 6) shape *= c.weekendFactor ?? 0.3;
  return shape;
}

function burstActive(c: BurstsComponent, seed: number, stream: number, t: number): boolean {
  const n = Math.floor(t / c.everySeconds); // cycle n covers [n*every, (n+1)*every)
  if (n < 1) return false;
  const slack = c.everySeconds - c.durationSeconds;
  const start = n * c.everySeconds + (c.jitter ? c.jitter * slack * draw(seed, stream, n) : 0);
  return t >= start && t < start + c.durationSeconds;
}

/** Spend rate (units per simulated second) in force during step `step` (which starts at `t`). */
export function rateAt(p: SpendProcess, step: number, t: number): number {
  const seed = p.seed ?? 1;
  let rate = 0;
  let surge = 1;
  for (const [i, c] of p.components.entries()) {
    switch (c.kind) {
      case "steady":
        rate += (c.ratePerHour / HOUR) * noiseFactor(seed, i, step, c.noise);
        break;
      case "diurnal": {
        const origin = (p.originEpochMs ?? 0) / 1000 + (p.utcOffsetHours ?? 0) * HOUR;
        rate += (c.peakRatePerHour / HOUR) * diurnalShape(c, origin + t) * noiseFactor(seed, i, step, c.noise);
        break;
      }
      case "bursts":
        rate += (burstActive(c, seed, i, t) ? c.burstRatePerHour : c.backgroundRatePerHour) / HOUR;
        break;
      case "surge":
        if (t >= c.atSeconds) surge *= c.factor;
        break;
      case "deposits":
      case "refill":
        break;
    }
  }
  return rate * surge;
}

/** The first deposit time strictly after `after` and at most `until`, with the total amount due then. */
function nextDeposit(p: SpendProcess, after: number, until: number): { at: number; amount: number } | null {
  let best: number | null = null;
  for (const c of p.components) {
    if (c.kind !== "deposits") continue;
    const first = c.firstAtSeconds ?? c.everySeconds;
    const n = after < first ? 0 : Math.floor((after - first) / c.everySeconds) + 1;
    const at = first + n * c.everySeconds;
    if (at <= until && (best === null || at < best)) best = at;
  }
  if (best === null) return null;
  let amount = 0;
  for (const c of p.components) {
    if (c.kind !== "deposits") continue;
    const first = c.firstAtSeconds ?? c.everySeconds;
    if (best >= first && Number.isInteger((best - first) / c.everySeconds)) amount += c.amount;
  }
  return { at: best, amount };
}

/** Below a nano-unit a balance is rounding left over from summing steps: it is spent out (money is kept to micro-units). */
const CRUMB = 1e-9;

/** Applies spending at a constant `rate` for `seconds`, stopping at 0. */
function spend(s: SpendState, rate: number, seconds: number): SpendState {
  const want = rate * seconds;
  const spent = want > 0 && s.balance - want < CRUMB ? s.balance : Math.min(want, s.balance);
  return withBalance({ ...s, t: s.t + seconds, spentTotal: s.spentTotal + spent }, spent === s.balance ? 0 : s.balance - spent);
}

/** The refill due while the account is empty: when, and how much (several refill components add up). */
function refillDue(p: SpendProcess, s: SpendState): { at: number; amount: number } | null {
  if (s.emptySince === null) return null;
  let at = Infinity;
  for (const c of p.components) if (c.kind === "refill") at = Math.min(at, s.emptySince + c.afterSeconds);
  if (at === Infinity) return null;
  let amount = 0;
  for (const c of p.components) if (c.kind === "refill" && s.emptySince + c.afterSeconds === at) amount += c.amount;
  return { at: Math.max(at, s.t), amount };
}

/**
 * Advances `state` to simulated time `t` under process `p`. A `t` earlier than `state.t` returns the
 * state unchanged (time does not run backwards). Deposits falling at exactly `t` are included.
 */
export function advance(p: SpendProcess, state: SpendState, t: number): SpendState {
  if (!(t > state.t)) return state;
  const h = p.stepSeconds ?? 60;
  let s = state;
  while (s.t < t) {
    const step = Math.floor(s.t / h);
    let end = Math.min((step + 1) * h, t);
    const dep = nextDeposit(p, s.t, end);
    // Deposits due at the current instant were applied by the previous segment (or precede `state`).
    if (dep) end = dep.at;
    const refill = refillDue(p, s);
    if (refill && refill.at <= end) end = refill.at;
    const rate = rateAt(p, step, step * h);
    if (rate > 0 && s.balance > 0 && s.balance - rate * (end - s.t) < CRUMB) {
      // The money runs out in this segment: it ends there, so that a refill counts from that moment.
      end = Math.min(end, s.t + s.balance / rate);
      s = withBalance({ ...s, t: end, spentTotal: s.spentTotal + s.balance }, 0);
    } else {
      s = { ...spend(s, rate, end - s.t), t: end };
    }
    let added = dep && dep.at === end ? dep.amount : 0;
    if (refill && refill.at === end && s.emptySince !== null) added += refill.amount;
    if (added > 0) s = withBalance({ ...s, depositedTotal: s.depositedTotal + added }, s.balance + added);
  }
  return s;
}

/** Adds money now (a manual deposit). */
export function depositNow(state: SpendState, amount: number): SpendState {
  return withBalance({ ...state, depositedTotal: state.depositedTotal + amount }, state.balance + amount);
}

/** Spends `amount` now (a solve): the balance never goes below 0, and only what was there counts as spent. */
export function spendNow(state: SpendState, amount: number): SpendState {
  const spent = Math.min(Math.max(0, amount), state.balance);
  return withBalance({ ...state, spentTotal: state.spentTotal + spent }, state.balance - spent);
}

/** Replaces the balance now (an administrative correction: counts neither as spend nor deposit). */
export function setBalanceNow(state: SpendState, balance: number): SpendState {
  return withBalance(state, Math.max(0, balance));
}

/** Named scenarios for the CLI and tests. */
export const SCENARIO_NAMES = ["steady", "diurnal", "batch", "topups", "leak", "demo"] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface Scenario {
  readonly name: ScenarioName;
  readonly description: string;
  readonly process: SpendProcess;
  /** Simulated seconds per real second that shows the scenario well. */
  readonly timeScale: number;
  /** Starting balance the scenario was designed around. */
  readonly balance: number;
}

/**
 * The named scenarios. Rates are in units of the account's currency per simulated hour; they are
 * designed around a starting balance of 25 and a time scale, both of which the CLI can override.
 */
export function scenario(name: ScenarioName, seed = 1, originEpochMs = 0): Scenario {
  const base = { seed, originEpochMs };
  switch (name) {
    case "steady":
      return {
        name,
        description: "about 1.2 per hour, ±20% noise (25 lasts about 21 hours)",
        process: { ...base, components: [{ kind: "steady", ratePerHour: 1.2, noise: 0.2 }] },
        timeScale: 1,
        balance: 25,
      };
    case "diurnal":
      return {
        name,
        description: "weekday business hours up to 3 per hour; 10% at night, 30% on weekends",
        process: {
          ...base,
          components: [{ kind: "diurnal", peakRatePerHour: 3, nightFactor: 0.1, weekendFactor: 0.3, noise: 0.1 }],
        },
        timeScale: 1,
        balance: 25,
      };
    case "batch":
      return {
        name,
        description: "0.1 per hour, plus a 30-minute batch at 8 per hour every 6 hours",
        process: {
          ...base,
          components: [
            {
              kind: "bursts",
              backgroundRatePerHour: 0.1,
              burstRatePerHour: 8,
              everySeconds: 6 * HOUR,
              durationSeconds: 30 * 60,
              jitter: 0.2,
            },
          ],
        },
        timeScale: 1,
        balance: 25,
      };
    case "topups":
      return {
        name,
        description: "2 per hour, with a top-up of 10 every 6 hours",
        process: {
          ...base,
          components: [
            { kind: "steady", ratePerHour: 2, noise: 0.1 },
            { kind: "deposits", amount: 10, everySeconds: 6 * HOUR },
          ],
        },
        timeScale: 1,
        balance: 25,
      };
    case "leak":
      return {
        name,
        description: "0.5 per hour, then 8 times as much after 2 hours (a leaked key)",
        process: {
          ...base,
          components: [
            { kind: "steady", ratePerHour: 0.5, noise: 0.1 },
            { kind: "surge", atSeconds: 2 * HOUR, factor: 8 },
          ],
        },
        timeScale: 1,
        balance: 25,
      };
    case "demo":
      // At 60x: the runway falls within a minute, 25 runs out after about 3 minutes, stays empty 4
      // minutes (long enough for CaptchaBalanceExhausted to fire even at Prometheus's 1-minute
      // defaults), then 50 more last about 4 minutes, and so on.
      return {
        name,
        description: "4 per hour, x3 after 90 min; at 60x the runway falls within a minute, 25 lasts ~3 min; topped up with 50 four hours after it runs dry",
        process: {
          ...base,
          components: [
            { kind: "steady", ratePerHour: 4, noise: 0.25 },
            { kind: "surge", atSeconds: 90 * 60, factor: 3 },
            { kind: "refill", amount: 50, afterSeconds: 4 * HOUR },
          ],
        },
        timeScale: 60,
        balance: 25,
      };
  }
}

export function isScenarioName(v: string): v is ScenarioName {
  return (SCENARIO_NAMES as readonly string[]).includes(v);
}
