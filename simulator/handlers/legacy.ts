/**
 * The legacy res.php protocol (CaptchaAI, 2Captcha, RuCaptcha, AZcaptcha): `res.php?action=getbalance`
 * (the balance call), and `in.php` / `res.php?action=get` (solving). Parameters come from the query
 * string or a POST form; `json=1` selects the JSON shapes. Errors come with HTTP 200.
 */
import type { Account } from "../accounts.ts";
import { banCode, formatLegacyBalance, LEGACY_KEY_LENGTH, legacyError, legacySuccess, type SimResponse } from "../protocol.ts";
import { balanceCall, type Handled, isRefusal, other, type ProtocolContext, type SimRequest } from "./context.ts";

export function legacy(req: SimRequest, ctx: ProtocolContext): Handled | null {
  const { pathname } = req.url;
  if (pathname !== "/res.php" && pathname !== "/in.php") return null;
  const params = new URLSearchParams(req.url.search);
  if (req.method === "POST" && req.body) for (const [k, v] of new URLSearchParams(req.body)) if (!params.has(k)) params.set(k, v);
  const key = params.get("key") ?? "";
  const json = params.get("json") === "1";
  const action = params.get("action");
  // solve calls are not balance calls: neither counted nor subject to faults (see docs/simulator.md)
  if (pathname === "/in.php") return other(solve(ctx, key, json, req.client));
  if (action?.toLowerCase() === "get") return other(result(ctx, key, params.get("id"), json, req.client));
  return balanceCall("legacy", key, json, () => balance(ctx, key, action, json, req.client));
}

function balance(ctx: ProtocolContext, key: string, action: string | null, json: boolean, client: string): SimResponse {
  const account = admit(ctx, key, json, client);
  if (isRefusal(account)) return account;
  if (!action) return legacyError("ERROR_EMPTY_ACTION", json);
  if (action.toLowerCase() !== "getbalance") return legacyError("ERROR_BAD_PARAMETERS", json);
  ctx.book.touch(account);
  return legacySuccess(formatLegacyBalance(account.state.balance, account.decimals), json);
}

/** `in.php`: `OK|<id>`, or ERROR_ZERO_BALANCE when the balance cannot pay. */
function solve(ctx: ProtocolContext, key: string, json: boolean, client: string): SimResponse {
  const account = admit(ctx, key, json, client);
  if (isRefusal(account)) return account;
  const id = ctx.solves.solve(account);
  if (id === null) return legacyError("ERROR_ZERO_BALANCE", json);
  return json ? legacySuccess(String(id), true) : legacySuccess(`OK|${id}`, false);
}

/** `res.php?action=get&id=ID`: the task's token at once. */
function result(ctx: ProtocolContext, key: string, id: string | null, json: boolean, client: string): SimResponse {
  const account = admit(ctx, key, json, client);
  if (isRefusal(account)) return account;
  const task = ctx.solves.result(id, key);
  if (!task) return legacyError("ERROR_WRONG_CAPTCHA_ID", json);
  return json ? legacySuccess(task.token, true) : legacySuccess(`OK|${task.token}`, false);
}

/** The key checks of every res.php call: a ban, a key that is not 32 characters, an unknown key. */
function admit(ctx: ProtocolContext, key: string, json: boolean, client: string): Account | SimResponse {
  const account = ctx.book.byKey(key);
  const flavour = account?.flavour ?? ctx.flavour;
  if (ctx.bans.isBanned(client)) return legacyError(banCode(flavour, "legacy"), json);
  if (key.length !== LEGACY_KEY_LENGTH) {
    ctx.bans.recordWrongKey(client, flavour);
    return legacyError("ERROR_WRONG_USER_KEY", json);
  }
  if (!account) {
    ctx.bans.recordWrongKey(client, flavour);
    return legacyError("ERROR_KEY_DOES_NOT_EXIST", json);
  }
  return account;
}
