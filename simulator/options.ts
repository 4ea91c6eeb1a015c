/** What a simulator is started with, and the checks of it (each failure an InputError naming the option). */
import { InputError } from "../core/errors.ts";
import { FLAVOURS, type Flavour, isFlavour, type Protocol } from "./protocol.ts";
import { isScenarioName, type ScenarioName, type SpendProcess, validateProcess } from "./spend.ts";

export interface SimAccountConfig {
  /** The API key clients send. Never logged, never echoed (the control API names accounts by `id`). */
  readonly key: string;
  /** Starting balance (>= 0). */
  readonly balance: number;
  /** A name for the account in the control API and state (default `account-1`, `account-2`, …). */
  readonly id?: string;
  /** Reported in the state only (the protocols carry no currency); default per flavour (RuCaptcha: RUB). */
  readonly currency?: string;
  /** Digits after the decimal point in answers (integer 0–8; default per flavour, mostly 4). */
  readonly decimals?: number;
  /** Which provider this account imitates (default: the server's flavour). */
  readonly flavour?: Flavour;
  /** How the balance is spent over simulated time: a process or a scenario name (default: it never moves). */
  readonly spend?: SpendProcess | ScenarioName;
  /** Anti-Captcha's `captchaCredits` field (default 0). */
  readonly captchaCredits?: number;
  /** What one solve (`in.php` / `createTask`) costs, in the account's currency (default 0.003). */
  readonly solvePrice?: number;
}

export interface SimulatorOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Loopback only: 127.0.0.1 (default), ::1 or localhost. */
  readonly host?: string;
  readonly accounts: readonly SimAccountConfig[];
  /** Flavour for accounts without one and for answers to unknown keys (default captchaai). */
  readonly flavour?: Flavour;
  /** Simulated seconds per real second (default 1; 0 freezes time). */
  readonly timeScale?: number;
  /** Seed of the spend processes that have none (account i gets seed + i). Default 1. */
  readonly seed?: number;
  /** Wall-clock origin of simulated time, for the diurnal cycle (default: now). */
  readonly originEpochMs?: number;
  /** After `afterWrongKeys` requests with an unknown or malformed key from one client address, answer
   *  the flavour's ban code for `cooldownMs` (default: the flavour's documented cool-down). Off by default. */
  readonly ban?: BanRule;
  /** Real clock in ms (tests); default Date.now. */
  readonly now?: () => number;
  /** Called on arrival of every balance request, before any fault applies:
   *  the account's id (null for an unknown key; never the key), the protocol, and the real time in ms. */
  readonly onRequest?: (event: { readonly account: string | null; readonly protocol: Protocol; readonly atMs: number }) => void;
  /**
   * Error code the spend-history endpoint (Anti-Captcha's getSpendingStats) answers instead of its
   * records, e.g. `ERROR_NO_SLOT_AVAILABLE` (balance calls are not affected). Off by default.
   */
  readonly spendingStatsError?: string;
  /** Serve HTTPS with this certificate and key (PEM), as a provider behind a re-signing proxy would. */
  readonly tls?: { readonly cert: string; readonly key: string };
}

export interface BanRule {
  readonly afterWrongKeys: number;
  readonly cooldownMs?: number;
}

/** The options' values with their defaults filled in. */
export interface Settings {
  readonly host: string;
  readonly port: number;
  readonly flavour: Flavour;
  readonly timeScale: number;
  readonly seed: number;
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

/** The settings of `options`; throws an InputError naming the first option that is wrong. */
export function checkOptions(options: SimulatorOptions): Settings {
  const host = options.host ?? "127.0.0.1";
  if (!isLoopbackHost(host))
    throw new InputError(`simulator: host must be a loopback address (127.0.0.1, ::1 or localhost), not "${host}"`);
  const port = options.port ?? 0;
  if (!(Number.isInteger(port) && port >= 0 && port <= 65535))
    throw new InputError("simulator: 'port' must be an integer from 0 to 65535");
  const flavour = options.flavour ?? "captchaai";
  if (!isFlavour(flavour)) throw new InputError("simulator: unknown 'flavour'");
  const timeScale = options.timeScale ?? 1;
  if (!(Number.isFinite(timeScale) && timeScale >= 0))
    throw new InputError("simulator: 'timeScale' must be a number >= 0 (simulated seconds per real second)");
  const seed = options.seed ?? 1;
  if (!Number.isFinite(seed)) throw new InputError("simulator: 'seed' must be a number");
  if (options.ban && !(Number.isInteger(options.ban.afterWrongKeys) && options.ban.afterWrongKeys >= 1))
    throw new InputError("simulator: 'ban.afterWrongKeys' must be an integer >= 1");
  checkAccounts(options.accounts);
  return { host, port, flavour, timeScale, seed };
}

function checkAccounts(accounts: readonly SimAccountConfig[]): void {
  if (!Array.isArray(accounts) || accounts.length === 0)
    throw new InputError("simulator: 'accounts' must list at least one account ({ key, balance })");
  const keys = new Set<string>();
  const ids = new Set<string>();
  for (const [i, a] of accounts.entries()) {
    const at = `simulator: account ${a.id ?? i + 1}`;
    if (typeof a.key !== "string" || a.key.length === 0 || a.key.length > 256 || /\s/.test(a.key))
      throw new InputError(`${at}: 'key' must be a non-empty string without spaces (at most 256 characters)`);
    if (keys.has(a.key)) throw new InputError(`${at}: the same key is used by two accounts`);
    keys.add(a.key);
    const id = a.id ?? `account-${i + 1}`;
    if (ids.has(id)) throw new InputError(`${at}: duplicate account id`);
    ids.add(id);
    checkAccountFields(a, at);
  }
}

function checkAccountFields(a: SimAccountConfig, at: string): void {
  if (typeof a.balance !== "number" || !Number.isFinite(a.balance) || a.balance < 0)
    throw new InputError(`${at}: 'balance' must be a finite number >= 0`);
  if (a.decimals !== undefined && !(Number.isInteger(a.decimals) && a.decimals >= 0 && a.decimals <= 8))
    throw new InputError(`${at}: 'decimals' must be an integer from 0 to 8`);
  if (a.solvePrice !== undefined && !(typeof a.solvePrice === "number" && Number.isFinite(a.solvePrice) && a.solvePrice > 0))
    throw new InputError(`${at}: 'solvePrice' must be a number > 0 (the cost of one solve)`);
  if (a.flavour !== undefined && !isFlavour(a.flavour))
    throw new InputError(`${at}: 'flavour' must be one of ${FLAVOURS.join(", ")}`);
  if (typeof a.spend === "string" && !isScenarioName(a.spend))
    throw new InputError(`${at}: unknown spend scenario; expected steady, diurnal, batch, topups, leak or demo`);
  if (typeof a.spend === "object") {
    const problem = validateProcess(a.spend);
    if (problem) throw new InputError(`${at}: spend: ${problem}`);
  }
}
