/**
 * The control API under /_sim/: JSON over HTTP on the simulator's own port, for driving a simulator
 * that runs in another process (docs/simulator.md, "Control API"). Accounts are named by `account`
 * (their id) or `key`; no answer contains a key.
 */
import type { Account, AccountBook } from "./accounts.ts";
import type { SimClock } from "./clock.ts";
import { parseFault, parseScope } from "./faults.ts";
import type { Simulator } from "./handle.ts";
import { jsonResponse, type SimResponse } from "./protocol.ts";
import { isScenarioName, type ScenarioName, type SpendProcess, validateProcess } from "./spend.ts";

type Body = Record<string, unknown>;

/** What the routes act on. */
export interface ControlTarget {
  readonly sim: Simulator;
  readonly book: AccountBook;
  readonly clock: SimClock;
}

type Route = (t: ControlTarget, body: Body) => SimResponse;

const ROUTES: ReadonlyMap<string, Route> = new Map<string, Route>([
  ["GET /_sim/state", (t) => jsonResponse(t.sim.state())],
  ["GET /_sim/counts", (t) => jsonResponse(t.sim.counts())],
  ["DELETE /_sim/counts", (t) => resetCounts(t.sim)],
  ["POST /_sim/balance", (t, body) => setBalance(t.book, body)],
  ["POST /_sim/spend", (t, body) => setSpend(t.book, body)],
  ["POST /_sim/fault", (t, body) => addFault(t.sim, t.book, body)],
  ["DELETE /_sim/faults", (t) => jsonResponse({ cleared: t.sim.clearFaults() })],
  ["POST /_sim/time", (t, body) => setTime(t.sim, t.clock, body)],
]);

/** Every route, as "METHOD /path". */
export const CONTROL_ROUTES: readonly string[] = [...ROUTES.keys()];

const UNKNOWN_ROUTE = `unknown control route; expected ${listRoutes(CONTROL_ROUTES)}`;

const failure = (status: number, message: string): SimResponse => jsonResponse({ error: message }, status);

/** Answers a request to a /_sim/ path (its body as received). */
export function controlRequest(target: ControlTarget, method: string, path: string, raw: string): SimResponse {
  const body = jsonObject(raw);
  if (typeof body === "string") return failure(400, body);
  const route = ROUTES.get(`${method} ${path}`);
  return route ? route(target, body) : failure(404, UNKNOWN_ROUTE);
}

/** "GET /a", "DELETE /a", "POST /b" -> "GET|DELETE /a, POST /b" (paths in the order they first appear). */
function listRoutes(routes: readonly string[]): string {
  const methods = new Map<string, string[]>();
  for (const r of routes) {
    const [method = "", path = ""] = r.split(" ");
    methods.set(path, [...(methods.get(path) ?? []), method]);
  }
  return [...methods].map(([path, ms]) => `${ms.join("|")} ${path}`).join(", ");
}

/** An empty body is `{}`; anything but a JSON object is refused (the message says why). */
function jsonObject(raw: string): Body | string {
  let parsed: unknown = {};
  if (raw.trim() !== "") {
    try {
      parsed = JSON.parse(raw);
    } catch {
      return "the request body must be JSON";
    }
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return "the request body must be a JSON object";
  return parsed as Body;
}

/** The account the body names (brought up to date), or what is wrong with the naming. */
function accountFrom(book: AccountBook, body: Body): Account | string {
  if (typeof body["account"] === "string") {
    const a = book.byId(body["account"]);
    return a ? book.touch(a) : `no account with id "${body["account"].slice(0, 64)}"`;
  }
  if (typeof body["key"] === "string") {
    const a = book.byKey(body["key"]);
    return a ? book.touch(a) : "no account has the given key";
  }
  return "name the account with 'account' (its id) or 'key'";
}

/** DELETE /_sim/counts: the counts after the reset. */
function resetCounts(sim: Simulator): SimResponse {
  sim.resetCounts();
  return jsonResponse(sim.counts());
}

/** POST /_sim/balance `{account, balance}` sets, `{account, deposit}` adds. */
function setBalance(book: AccountBook, body: Body): SimResponse {
  const a = accountFrom(book, body);
  if (typeof a === "string") return failure(404, a);
  const { balance, deposit } = body;
  if (balance !== undefined) {
    if (typeof balance !== "number" || !Number.isFinite(balance) || balance < 0) return failure(400, "'balance' must be a number >= 0");
    book.setBalance(a, balance);
  } else if (deposit !== undefined) {
    if (typeof deposit !== "number" || !Number.isFinite(deposit) || deposit <= 0) return failure(400, "'deposit' must be a number > 0");
    book.deposit(a, deposit);
  } else return failure(400, "give 'balance' (set) or 'deposit' (add)");
  return jsonResponse({ account: a.id, balance: a.state.balance });
}

/** POST /_sim/spend `{account, spend}`: a scenario name or a process. */
function setSpend(book: AccountBook, body: Body): SimResponse {
  const a = accountFrom(book, body);
  if (typeof a === "string") return failure(404, a);
  const spend = body["spend"];
  if (typeof spend === "string") {
    if (!isScenarioName(spend)) return failure(400, "'spend' must be a scenario (steady, diurnal, batch, topups, leak, demo) or a process");
  } else if (typeof spend !== "object" || spend === null) {
    return failure(400, "'spend' must be a scenario name or a process { components: [...] }");
  } else {
    const problem = validateProcess(spend as SpendProcess);
    if (problem) return failure(400, `spend: ${problem}`);
  }
  book.setSpend(a, spend as SpendProcess | ScenarioName);
  return jsonResponse({ account: a.id, spend: a.process });
}

/** POST /_sim/fault `{fault, account?, protocol?, times?}`: 201 `{id}`. */
function addFault(sim: Simulator, book: AccountBook, body: Body): SimResponse {
  const fault = parseFault(body["fault"]);
  if (typeof fault === "string") return failure(400, fault);
  const scope = parseScope(body);
  if (typeof scope === "string") return failure(400, scope);
  let key: string | undefined;
  if (body["account"] !== undefined || body["key"] !== undefined) {
    const a = accountFrom(book, body);
    if (typeof a === "string") return failure(404, a);
    key = a.key;
  }
  return jsonResponse({ id: sim.injectFault(fault, { ...scope, key }) }, 201);
}

/** POST /_sim/time `{advanceSeconds?, timeScale?}`. */
function setTime(sim: Simulator, clock: SimClock, body: Body): SimResponse {
  const adv = body["advanceSeconds"];
  const ts = body["timeScale"];
  if (adv === undefined && ts === undefined) return failure(400, "give 'advanceSeconds' and/or 'timeScale'");
  if (adv !== undefined && !(typeof adv === "number" && Number.isFinite(adv) && adv >= 0))
    return failure(400, "'advanceSeconds' must be a number >= 0");
  if (ts !== undefined && !(typeof ts === "number" && Number.isFinite(ts) && ts >= 0)) return failure(400, "'timeScale' must be a number >= 0");
  if (ts !== undefined) sim.setTimeScale(ts as number);
  if (adv !== undefined) sim.advanceTime(adv as number);
  return jsonResponse({ simulatedSeconds: clock.now(), timeScale: clock.scale });
}
