/**
 * The provider simulator: one local HTTP server that answers every provider protocol (legacy res.php,
 * client-key JSON, NopeCHA's status, DeathByCaptcha's account details) for any number of accounts, spends their balances over simulated time,
 * misbehaves on demand, and can be driven programmatically or through a small JSON control API
 * under /_sim/. It listens on loopback only and never logs or echoes the keys it is given.
 */
import http from "node:http";
import https from "node:https";
import { InputError } from "../core/errors.ts";
import { getDefinition } from "../core/providers/catalog.ts";
import {
  banCode,
  banCooldownMs,
  clientKeyBadKeyCode,
  clientKeyError,
  clientKeySuccess,
  dbcError,
  defaultCurrency,
  defaultDecimals,
  emptyBody,
  errorAnswer,
  FLAVOURS,
  type Flavour,
  formatLegacyBalance,
  garbage,
  htmlErrorPage,
  isFlavour,
  LEGACY_KEY_LENGTH,
  legacyError,
  legacySuccess,
  nopechaError,
  PROTOCOLS,
  type Protocol,
  type SimResponse,
  successAnswer,
  tooManyRequests,
  truncate,
} from "./protocol.ts";
import { type ActiveFault, describeFault, type Fault, type FaultScope, parseFault, parseScope, withKey } from "./faults.ts";
import {
  advance,
  depositNow,
  initialState,
  isScenarioName,
  NO_SPEND,
  type ScenarioName,
  type SpendProcess,
  type SpendState,
  scenario,
  setBalanceNow,
  spendNow,
  validateProcess,
} from "./spend.ts";
import { HourLedger, spendingStatsRecords } from "./spend-history.ts";

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
  readonly ban?: { readonly afterWrongKeys: number; readonly cooldownMs?: number };
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

export type ProtocolCounts = { total: number } & Record<Protocol, number>;

export interface SimCounts extends ProtocolCounts {
  /** Requests per account id. */
  readonly accounts: Record<string, ProtocolCounts>;
  /** Requests whose key matched no account (including missing keys). */
  readonly unknownKey: ProtocolCounts;
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

interface Account {
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

/** Solve requests remembered for their result call (oldest forgotten first). */
const MAX_TASKS = 10_000;

const MAX_BODY_BYTES = 64 * 1024;

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

function emptyCounts(): ProtocolCounts {
  const c = { total: 0 } as ProtocolCounts;
  for (const p of PROTOCOLS) c[p] = 0;
  return c;
}

function validateAccounts(accounts: readonly SimAccountConfig[]): void {
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
}

/** Starts a simulator; resolves once it listens. */
export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const host = options.host ?? "127.0.0.1";
  if (!isLoopbackHost(host))
    throw new InputError(`simulator: host must be a loopback address (127.0.0.1, ::1 or localhost), not "${host}"`);
  const port = options.port ?? 0;
  if (!(Number.isInteger(port) && port >= 0 && port <= 65535))
    throw new InputError("simulator: 'port' must be an integer from 0 to 65535");
  const serverFlavour = options.flavour ?? "captchaai";
  if (!isFlavour(serverFlavour)) throw new InputError("simulator: unknown 'flavour'");
  const timeScale0 = options.timeScale ?? 1;
  if (!(Number.isFinite(timeScale0) && timeScale0 >= 0))
    throw new InputError("simulator: 'timeScale' must be a number >= 0 (simulated seconds per real second)");
  const seed = options.seed ?? 1;
  if (!Number.isFinite(seed)) throw new InputError("simulator: 'seed' must be a number");
  if (options.ban && !(Number.isInteger(options.ban.afterWrongKeys) && options.ban.afterWrongKeys >= 1))
    throw new InputError("simulator: 'ban.afterWrongKeys' must be an integer >= 1");
  validateAccounts(options.accounts);

  const now = options.now ?? Date.now;
  const originEpochMs = options.originEpochMs ?? Date.now();

  // Simulated clock: simBase simulated seconds at real time realBase, running at `scale`.
  let realBase = now();
  let simBase = 0;
  let scale = timeScale0;
  const simNow = () => simBase + ((now() - realBase) / 1000) * scale;

  const resolveProcess = (spend: SpendProcess | ScenarioName | undefined, index: number): SpendProcess => {
    if (spend === undefined) return NO_SPEND;
    if (typeof spend === "string") return scenario(spend, seed + index, originEpochMs).process;
    return { ...spend, seed: spend.seed ?? seed + index, originEpochMs: spend.originEpochMs ?? originEpochMs };
  };

  const accounts: Account[] = options.accounts.map((a, i) => {
    const flavour = a.flavour ?? serverFlavour;
    return {
      id: a.id ?? `account-${i + 1}`,
      key: a.key,
      flavour,
      currency: a.currency ?? defaultCurrency(flavour),
      decimals: a.decimals ?? defaultDecimals(flavour),
      captchaCredits: a.captchaCredits ?? 0,
      solvePrice: a.solvePrice ?? 0.003,
      solves: { accepted: 0, refusedZeroBalance: 0 },
      process: resolveProcess(a.spend, i),
      state: initialState(a.balance, 0),
      ledger: new HourLedger(),
    };
  });
  const byKey = new Map(accounts.map((a) => [a.key, a]));
  const byId = new Map(accounts.map((a) => [a.id, a]));

  /** Simulated seconds on the simulated calendar (Unix seconds; the wall clock at 1x). */
  const calendar = (simSeconds: number) => originEpochMs / 1000 + simSeconds;
  const touch = (a: Account): Account => {
    const before = a.state;
    a.state = advance(a.process, a.state, simNow());
    a.ledger.add(calendar(before.t), calendar(a.state.t), a.state.spentTotal - before.spentTotal);
    return a;
  };
  const mustAccount = (key: string): Account => {
    const a = byKey.get(key);
    if (!a) throw new InputError("simulator: no account has the given key");
    return touch(a);
  };

  // Request counts by key (accounts and unknown keys alike; only aggregated views leave this module).
  let countsByKey = new Map<string, ProtocolCounts>();
  const count = (key: string, protocol: Protocol) => {
    let c = countsByKey.get(key);
    if (!c) {
      if (countsByKey.size >= 10_000 && !byKey.has(key)) key = "\u0000overflow";
      c = countsByKey.get(key) ?? emptyCounts();
      countsByKey.set(key, c);
    }
    c.total++;
    c[protocol]++;
  };
  const counts = (): SimCounts => {
    const all = emptyCounts();
    const unknownKey = emptyCounts();
    const perAccount: Record<string, ProtocolCounts> = {};
    for (const a of accounts) perAccount[a.id] = emptyCounts();
    for (const [key, c] of countsByKey) {
      const a = byKey.get(key);
      const into = a ? perAccount[a.id]! : unknownKey;
      for (const t of [into, all]) {
        t.total += c.total;
        for (const p of PROTOCOLS) t[p] += c[p];
      }
    }
    return { ...all, accounts: perAccount, unknownKey };
  };

  // Faults.
  let faults: ActiveFault[] = [];
  let nextFaultId = 1;
  const takeFaults = (key: string, protocol: Protocol): { delayMs: number; fault: Fault | null } => {
    let delayMs = 0;
    let fault: Fault | null = null;
    for (const f of faults) {
      if (f.remaining <= 0) continue;
      if (f.key !== undefined && f.key !== key) continue;
      if (f.protocol !== undefined && f.protocol !== protocol) continue;
      if (f.fault.kind === "latency") {
        delayMs += f.fault.ms;
        f.remaining--;
      } else if (fault === null) {
        fault = f.fault;
        f.remaining--;
      }
    }
    faults = faults.filter((f) => f.remaining > 0);
    return { delayMs, fault };
  };

  // Bans after repeated wrong keys, per client address.
  const wrongKeys = new Map<string, number>();
  const bannedUntil = new Map<string, number>();
  const recordWrongKey = (client: string, flavour: Flavour) => {
    if (!options.ban) return;
    const n = (wrongKeys.get(client) ?? 0) + 1;
    if (n >= options.ban.afterWrongKeys) {
      wrongKeys.delete(client);
      bannedUntil.set(client, now() + (options.ban.cooldownMs ?? banCooldownMs(flavour)));
    } else wrongKeys.set(client, n);
  };
  const isBanned = (client: string) => {
    const until = bannedUntil.get(client);
    if (until === undefined) return false;
    if (now() >= until) {
      bannedUntil.delete(client);
      return false;
    }
    return true;
  };

  // Timers of delayed answers, so close() can cut them short.
  const sleepers = new Set<{ timer: NodeJS.Timeout; done: () => void }>();
  let closing = false;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const s = {
        timer: setTimeout(() => {
          sleepers.delete(s);
          resolve();
        }, ms),
        done: resolve,
      };
      sleepers.add(s);
    });

  // ---- protocol answers ----

  const legacyAnswer = (key: string, action: string | null, json: boolean, client: string): SimResponse => {
    const flavour = byKey.get(key)?.flavour ?? serverFlavour;
    if (options.ban && isBanned(client)) return legacyError(banCode(flavour, "legacy"), json);
    if (key.length !== LEGACY_KEY_LENGTH) {
      recordWrongKey(client, flavour);
      return legacyError("ERROR_WRONG_USER_KEY", json);
    }
    const account = byKey.get(key);
    if (!account) {
      recordWrongKey(client, flavour);
      return legacyError("ERROR_KEY_DOES_NOT_EXIST", json);
    }
    if (!action) return legacyError("ERROR_EMPTY_ACTION", json);
    if (action.toLowerCase() !== "getbalance") return legacyError("ERROR_BAD_PARAMETERS", json);
    touch(account);
    return legacySuccess(formatLegacyBalance(account.state.balance, account.decimals), json);
  };

  const clientKeyAnswer = (key: string | null, client: string): SimResponse => {
    const account = key === null ? undefined : byKey.get(key);
    const flavour = account?.flavour ?? serverFlavour;
    if (options.ban && isBanned(client)) return clientKeyError(flavour, banCode(flavour, "client-key"));
    if (!account) {
      recordWrongKey(client, flavour);
      return clientKeyError(flavour, clientKeyBadKeyCode(flavour));
    }
    touch(account);
    return clientKeySuccess(flavour, account.state.balance, account.decimals, {
      captchaCredits: account.captchaCredits,
    });
  };

  /** Anti-Captcha's getSpendingStats (spend-history.ts); flavours without the endpoint answer 404. */
  let spendingStatsCalls = 0;
  const spendingStatsAnswer = (key: string | null, client: string): SimResponse => {
    spendingStatsCalls++;
    const account = key === null ? undefined : byKey.get(key);
    // an unknown key is refused as a provider with the endpoint refuses it
    const flavour = account?.flavour ?? (getDefinition(serverFlavour).spendingStats ? serverFlavour : "anti-captcha");
    if (!getDefinition(flavour).spendingStats) {
      return { status: 404, headers: { "content-type": "text/plain; charset=utf-8" }, body: "Not Found" };
    }
    if (options.ban && isBanned(client)) return clientKeyError(flavour, banCode(flavour, "client-key"));
    if (!account) {
      recordWrongKey(client, flavour);
      return clientKeyError(flavour, clientKeyBadKeyCode(flavour));
    }
    if (options.spendingStatsError) return clientKeyError(flavour, options.spendingStatsError);
    touch(account);
    const data = spendingStatsRecords(account.ledger, account.process, originEpochMs / 1000, account.state.t, account.solvePrice);
    return { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ errorId: 0, data }) };
  };

  // ---- solving: just enough of each protocol to spend the balance and refuse at zero ----

  let nextTaskId = 1;
  const tasks = new Map<number, { key: string; token: string }>();
  /** Charges one solve; the task id, or null when the balance cannot pay for it. */
  const charge = (account: Account): number | null => {
    touch(account);
    if (account.state.balance < account.solvePrice - 1e-9 || account.state.balance <= 0) {
      account.solves.refusedZeroBalance++;
      return null;
    }
    const spentBefore = account.state.spentTotal;
    account.state = spendNow(account.state, account.solvePrice);
    account.ledger.add(calendar(account.state.t), calendar(account.state.t), account.state.spentTotal - spentBefore);
    account.solves.accepted++;
    const id = nextTaskId++;
    tasks.set(id, { key: account.key, token: `sim-token-${id}` });
    if (tasks.size > MAX_TASKS) tasks.delete(tasks.keys().next().value as number);
    return id;
  };

  const legacySolveAnswer = (key: string, kind: "in" | "get", taskId: string | null, json: boolean, client: string): SimResponse => {
    const account = byKey.get(key);
    const flavour = account?.flavour ?? serverFlavour;
    if (options.ban && isBanned(client)) return legacyError(banCode(flavour, "legacy"), json);
    if (key.length !== LEGACY_KEY_LENGTH) {
      recordWrongKey(client, flavour);
      return legacyError("ERROR_WRONG_USER_KEY", json);
    }
    if (!account) {
      recordWrongKey(client, flavour);
      return legacyError("ERROR_KEY_DOES_NOT_EXIST", json);
    }
    if (kind === "in") {
      const id = charge(account);
      if (id === null) return legacyError("ERROR_ZERO_BALANCE", json);
      return json ? legacySuccess(String(id), true) : legacySuccess(`OK|${id}`, false);
    }
    const task = tasks.get(Number(taskId));
    if (!task || task.key !== key) return legacyError("ERROR_WRONG_CAPTCHA_ID", json);
    return json ? legacySuccess(task.token, true) : legacySuccess(`OK|${task.token}`, false);
  };

  const clientKeySolveAnswer = (path: "/createTask" | "/getTaskResult", body: Record<string, unknown> | null, client: string): SimResponse => {
    const key = typeof body?.["clientKey"] === "string" ? (body["clientKey"] as string) : null;
    const account = key === null ? undefined : byKey.get(key);
    const flavour = account?.flavour ?? serverFlavour;
    if (options.ban && isBanned(client)) return clientKeyError(flavour, banCode(flavour, "client-key"));
    if (!account) {
      recordWrongKey(client, flavour);
      return clientKeyError(flavour, clientKeyBadKeyCode(flavour));
    }
    const ok = (value: Record<string, unknown>): SimResponse => ({
      status: 200,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ errorId: 0, ...value }),
    });
    if (path === "/createTask") {
      const id = charge(account);
      return id === null ? clientKeyError(flavour, "ERROR_ZERO_BALANCE") : ok({ taskId: id });
    }
    const task = tasks.get(Number(body?.["taskId"]));
    if (!task || task.key !== key) return clientKeyError(flavour, "ERROR_NO_SUCH_CAPCHA_ID");
    return ok({
      status: "ready",
      solution: { gRecaptchaResponse: task.token, token: task.token },
      cost: account.solvePrice.toFixed(account.decimals),
    });
  };

  const nopechaAnswer = (key: string, client: string): SimResponse => {
    const account = byKey.get(key);
    const flavour = account?.flavour ?? serverFlavour;
    if (options.ban && isBanned(client)) return nopechaError(flavour, banCode(flavour, "nopecha"));
    if (!account) {
      recordWrongKey(client, flavour);
      return errorAnswer("nopecha", flavour, "InvalidKey");
    }
    touch(account);
    return successAnswer("nopecha", flavour, account.state.balance, account.decimals);
  };

  const dbcAnswer = (key: string, client: string): SimResponse => {
    const account = byKey.get(key);
    const flavour = account?.flavour ?? serverFlavour;
    if (options.ban && isBanned(client)) return dbcError(banCode(flavour, "deathbycaptcha"));
    if (!account) {
      recordWrongKey(client, flavour);
      return dbcError("ACCESS_DENIED");
    }
    touch(account);
    return successAnswer("deathbycaptcha", flavour, account.state.balance, account.decimals);
  };

  const faultAnswer = (
    fault: Fault,
    protocol: Protocol,
    key: string,
    json: boolean,
    normal: () => SimResponse,
  ): SimResponse | "drop" | "hang" | { midStream: SimResponse } => {
    const account = byKey.get(key);
    const flavour = account?.flavour ?? serverFlavour;
    switch (fault.kind) {
      case "error": {
        const code = withKey(fault.code, key);
        const description = fault.description === undefined ? undefined : withKey(fault.description, key);
        return errorAnswer(protocol, flavour, code, { status: fault.status, errorId: fault.errorId, json, description });
      }
      case "body": {
        const body = withKey(fault.body, key).repeat(fault.repeat ?? 1);
        return { status: fault.status ?? 200, headers: { "content-type": fault.contentType ?? "text/plain; charset=utf-8" }, body };
      }
      case "html":
        return htmlErrorPage(fault.status ?? 502);
      case "truncated":
        return fault.midStream ? { midStream: normal() } : truncate(normal());
      case "garbage":
        return garbage();
      case "empty":
        return emptyBody();
      case "non-numeric":
        if (protocol === "legacy") return legacySuccess(fault.value === undefined ? "abc" : String(fault.value), json);
        return successAnswer(protocol, flavour, fault.value === undefined ? "NaN" : fault.value, account?.decimals ?? 4, {
          captchaCredits: account?.captchaCredits,
        });
      case "rate-limit":
        return tooManyRequests(fault.retryAfter ?? fault.retryAfterSeconds ?? 30);
      case "drop":
        return "drop";
      case "hang":
        return "hang";
      case "latency":
        return normal();
    }
  };

  const send = (res: http.ServerResponse, r: SimResponse) => {
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(r.status, { ...r.headers, "content-length": String(Buffer.byteLength(r.body)) });
    res.end(r.body);
  };

  const serveProtocol = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    protocol: Protocol,
    key: string,
    json: boolean,
    normal: () => SimResponse,
  ) => {
    count(key, protocol);
    options.onRequest?.({ account: byKey.get(key)?.id ?? null, protocol, atMs: now() });
    const { delayMs, fault } = takeFaults(key, protocol);
    if (delayMs > 0) await sleep(delayMs);
    if (closing || res.destroyed) return;
    const answer = fault ? faultAnswer(fault, protocol, key, json, normal) : normal();
    if (answer === "drop") {
      req.socket.destroy();
      return;
    }
    if (answer === "hang") return; // close() ends the connection
    if ("midStream" in answer) {
      const r = answer.midStream;
      res.writeHead(r.status, { ...r.headers, "content-length": String(Buffer.byteLength(r.body)) });
      res.write(r.body.slice(0, Math.max(1, Math.floor(r.body.length / 2))), () => res.destroy());
      return;
    }
    send(res, answer);
  };

  // ---- control API ----

  const controlError = (res: http.ServerResponse, status: number, message: string) =>
    send(res, { status, headers: { "content-type": "application/json" }, body: JSON.stringify({ error: message }) });
  const controlOk = (res: http.ServerResponse, value: unknown, status = 200) =>
    send(res, { status, headers: { "content-type": "application/json" }, body: JSON.stringify(value) });

  const accountFrom = (body: Record<string, unknown>): Account | string => {
    if (typeof body["account"] === "string") {
      const a = byId.get(body["account"]);
      return a ? touch(a) : `no account with id "${body["account"].slice(0, 64)}"`;
    }
    if (typeof body["key"] === "string") {
      const a = byKey.get(body["key"]);
      return a ? touch(a) : "no account has the given key";
    }
    return "name the account with 'account' (its id) or 'key'";
  };

  const sim: Simulator = {
    url: "",
    port: 0,
    host,
    setBalance(key, balance) {
      if (!(Number.isFinite(balance) && balance >= 0)) throw new InputError("simulator: balance must be a number >= 0");
      const a = mustAccount(key);
      a.state = setBalanceNow(a.state, balance);
    },
    getBalance(key) {
      return mustAccount(key).state.balance;
    },
    deposit(key, amount) {
      if (!(Number.isFinite(amount) && amount > 0)) throw new InputError("simulator: deposit must be a number > 0");
      const a = mustAccount(key);
      a.state = depositNow(a.state, amount);
    },
    setSpend(key, spend) {
      if (typeof spend === "string" && !isScenarioName(spend))
        throw new InputError("simulator: unknown scenario; expected steady, diurnal, batch, topups, leak or demo");
      if (typeof spend === "object") {
        const problem = validateProcess(spend);
        if (problem) throw new InputError(`simulator: spend: ${problem}`);
      }
      const a = mustAccount(key);
      a.process = resolveProcess(spend, accounts.indexOf(a));
    },
    injectFault(fault, scope = {}) {
      const checked = parseFault(fault);
      if (typeof checked === "string") throw new InputError(`simulator: ${checked}`);
      const times = scope.times ?? Number.POSITIVE_INFINITY;
      if (!(times >= 1)) throw new InputError("simulator: 'times' must be >= 1");
      const id = nextFaultId++;
      faults.push({ id, fault: checked, key: scope.key, protocol: scope.protocol, remaining: times });
      return id;
    },
    clearFaults() {
      const n = faults.length;
      faults = [];
      return n;
    },
    requestCount(key, protocol) {
      let c: ProtocolCounts;
      if (key === undefined) c = counts();
      else c = countsByKey.get(key) ?? emptyCounts();
      return protocol ? c[protocol] : c.total;
    },
    counts,
    resetCounts() {
      countsByKey = new Map();
    },
    advanceTime(seconds) {
      if (!(Number.isFinite(seconds) && seconds >= 0)) throw new InputError("simulator: advanceTime needs seconds >= 0");
      simBase += seconds;
    },
    setTimeScale(n) {
      if (!(Number.isFinite(n) && n >= 0)) throw new InputError("simulator: timeScale must be a number >= 0");
      simBase = simNow();
      realBase = now();
      scale = n;
    },
    simulatedSeconds: simNow,
    spendingStatsCount: () => spendingStatsCalls,
    state() {
      return {
        url: sim.url,
        flavour: serverFlavour,
        timeScale: scale,
        simulatedSeconds: simNow(),
        accounts: accounts.map((a) => {
          touch(a);
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
        }),
        faults: faults.map((f) => describeFault(f, (k) => byKey.get(k)?.id ?? "(unknown key)")),
        counts: counts(),
      };
    },
    close: async () => {},
  };

  const control = (method: string, path: string, body: Record<string, unknown>, res: http.ServerResponse) => {
    const route = `${method} ${path}`;
    switch (route) {
      case "GET /_sim/state":
        return controlOk(res, sim.state());
      case "GET /_sim/counts":
        return controlOk(res, counts());
      case "DELETE /_sim/counts":
        sim.resetCounts();
        return controlOk(res, counts());
      case "POST /_sim/balance": {
        const a = accountFrom(body);
        if (typeof a === "string") return controlError(res, 404, a);
        const balance = body["balance"];
        const deposit = body["deposit"];
        if (balance !== undefined) {
          if (typeof balance !== "number" || !Number.isFinite(balance) || balance < 0)
            return controlError(res, 400, "'balance' must be a number >= 0");
          a.state = setBalanceNow(a.state, balance);
        } else if (deposit !== undefined) {
          if (typeof deposit !== "number" || !Number.isFinite(deposit) || deposit <= 0)
            return controlError(res, 400, "'deposit' must be a number > 0");
          a.state = depositNow(a.state, deposit);
        } else return controlError(res, 400, "give 'balance' (set) or 'deposit' (add)");
        return controlOk(res, { account: a.id, balance: a.state.balance });
      }
      case "POST /_sim/spend": {
        const a = accountFrom(body);
        if (typeof a === "string") return controlError(res, 404, a);
        const spend = body["spend"];
        if (typeof spend === "string") {
          if (!isScenarioName(spend))
            return controlError(res, 400, "'spend' must be a scenario (steady, diurnal, batch, topups, leak, demo) or a process");
        } else if (typeof spend !== "object" || spend === null) {
          return controlError(res, 400, "'spend' must be a scenario name or a process { components: [...] }");
        } else {
          const problem = validateProcess(spend as SpendProcess);
          if (problem) return controlError(res, 400, `spend: ${problem}`);
        }
        a.process = resolveProcess(spend as SpendProcess | ScenarioName, accounts.indexOf(a));
        return controlOk(res, { account: a.id, spend: a.process });
      }
      case "POST /_sim/fault": {
        const fault = parseFault(body["fault"]);
        if (typeof fault === "string") return controlError(res, 400, fault);
        const scope = parseScope(body);
        if (typeof scope === "string") return controlError(res, 400, scope);
        let key: string | undefined;
        if (body["account"] !== undefined || body["key"] !== undefined) {
          const a = accountFrom(body);
          if (typeof a === "string") return controlError(res, 404, a);
          key = a.key;
        }
        const id = sim.injectFault(fault, { ...scope, key });
        return controlOk(res, { id }, 201);
      }
      case "DELETE /_sim/faults":
        return controlOk(res, { cleared: sim.clearFaults() });
      case "POST /_sim/time": {
        const adv = body["advanceSeconds"];
        const ts = body["timeScale"];
        if (adv === undefined && ts === undefined) return controlError(res, 400, "give 'advanceSeconds' and/or 'timeScale'");
        if (adv !== undefined && !(typeof adv === "number" && Number.isFinite(adv) && adv >= 0))
          return controlError(res, 400, "'advanceSeconds' must be a number >= 0");
        if (ts !== undefined && !(typeof ts === "number" && Number.isFinite(ts) && ts >= 0))
          return controlError(res, 400, "'timeScale' must be a number >= 0");
        if (ts !== undefined) sim.setTimeScale(ts as number);
        if (adv !== undefined) sim.advanceTime(adv as number);
        return controlOk(res, { simulatedSeconds: simNow(), timeScale: scale });
      }
      default:
        return controlError(
          res,
          404,
          "unknown control route; expected GET /_sim/state, GET|DELETE /_sim/counts, POST /_sim/balance, " +
            "POST /_sim/spend, POST /_sim/fault, DELETE /_sim/faults, POST /_sim/time",
        );
    }
  };

  const readBody = (req: http.IncomingMessage) =>
    new Promise<string | null>((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on("data", (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY_BYTES) {
          resolve(null);
          req.socket.destroy();
          return;
        }
        chunks.push(c);
      });
      req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      req.on("error", () => resolve(null));
      req.on("close", () => resolve(Buffer.concat(chunks).toString("utf8")));
    });

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://simulator.invalid");
    const method = (req.method ?? "GET").toUpperCase();
    const body = await readBody(req);
    if (body === null || closing) return;
    const client = req.socket.remoteAddress ?? "unknown";

    if (url.pathname.startsWith("/_sim/")) {
      let parsed: unknown = {};
      if (body.trim() !== "") {
        try {
          parsed = JSON.parse(body);
        } catch {
          return controlError(res, 400, "the request body must be JSON");
        }
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
        return controlError(res, 400, "the request body must be a JSON object");
      return control(method, url.pathname, parsed as Record<string, unknown>, res);
    }

    if (url.pathname === "/res.php" || url.pathname === "/in.php") {
      const params = new URLSearchParams(url.search);
      if (method === "POST" && body) for (const [k, v] of new URLSearchParams(body)) if (!params.has(k)) params.set(k, v);
      const key = params.get("key") ?? "";
      const json = params.get("json") === "1";
      const action = params.get("action");
      // solve calls are not balance calls: neither counted nor subject to faults (see docs/simulator.md)
      if (url.pathname === "/in.php") return send(res, legacySolveAnswer(key, "in", null, json, client));
      if (action?.toLowerCase() === "get") return send(res, legacySolveAnswer(key, "get", params.get("id"), json, client));
      return serveProtocol(req, res, "legacy", key, json, () => legacyAnswer(key, action, json, client));
    }

    if (url.pathname === "/createTask" || url.pathname === "/getTaskResult") {
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(body);
      } catch {
        parsed = null;
      }
      const obj = typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
      return send(res, clientKeySolveAnswer(url.pathname, obj, client));
    }

    if (url.pathname === "/getSpendingStats" && method === "POST") {
      const key = clientKeyOf(body);
      return send(res, spendingStatsAnswer(key, client));
    }

    if (url.pathname === "/getBalance") {
      const key = clientKeyOf(body);
      return serveProtocol(req, res, "client-key", key ?? "", true, () => clientKeyAnswer(key, client));
    }

    if (/^\/(api\/)?status\/?$/.test(url.pathname) && method === "GET") {
      const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
      const key = url.searchParams.get("key") ?? bearer ?? "";
      return serveProtocol(req, res, "nopecha", key, true, () => nopechaAnswer(key, client));
    }

    if (/^\/(api\/)?user\/?$/.test(url.pathname) && method === "POST") {
      const key = new URLSearchParams(body).get("authtoken") ?? "";
      return serveProtocol(req, res, "deathbycaptcha", key, true, () => dbcAnswer(key, client));
    }

    send(res, { status: 404, headers: { "content-type": "text/plain; charset=utf-8" }, body: "Not Found" });
  };

  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handle(req, res).catch(() => {
      // Never include request data (keys) in what we answer or print.
      if (!res.headersSent) send(res, { status: 500, headers: { "content-type": "text/plain" }, body: "simulator error" });
      else res.destroy();
    });
  };
  const server = options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, listener) : http.createServer(listener);
  server.on("clientError", (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(new InputError(`simulator: cannot listen on ${host}:${port} (${err.code ?? err.message})`)),
    );
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const boundPort = typeof address === "object" && address ? address.port : port;
  const urlHost = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  const url = `${options.tls ? "https" : "http"}://${urlHost}:${boundPort}`;

  let closed: Promise<void> | null = null;
  Object.assign(sim, {
    url,
    port: boundPort,
    close(): Promise<void> {
      if (closed) return closed;
      closing = true;
      closed = new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sleepers) {
          clearTimeout(s.timer);
          s.done();
        }
        sleepers.clear();
        server.closeAllConnections();
      });
      return closed;
    },
  });
  return sim;
}

/** The `clientKey` of a client-key protocol request body, or null when the body has none. */
function clientKeyOf(body: string): string | null {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === "object" && parsed !== null && typeof (parsed as { clientKey?: unknown }).clientKey === "string")
      return (parsed as { clientKey: string }).clientKey;
  } catch {
    // not JSON: no key
  }
  return null;
}
