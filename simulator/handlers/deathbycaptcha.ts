/** DeathByCaptcha's account details (`POST /user` or `/api/user`, form `authtoken=K`): the balance in US cents. */
import { banCode, dbcError, type SimResponse, successAnswer } from "../protocol.ts";
import { balanceCall, type Handled, type ProtocolContext, type SimRequest } from "./context.ts";

export function deathByCaptcha(req: SimRequest, ctx: ProtocolContext): Handled | null {
  if (!/^\/(api\/)?user\/?$/.test(req.url.pathname) || req.method !== "POST") return null;
  const key = new URLSearchParams(req.body).get("authtoken") ?? "";
  return balanceCall("deathbycaptcha", key, true, () => balance(ctx, key, req.client));
}

function balance(ctx: ProtocolContext, key: string, client: string): SimResponse {
  const account = ctx.book.byKey(key);
  const flavour = account?.flavour ?? ctx.flavour;
  if (ctx.bans.isBanned(client)) return dbcError(banCode(flavour, "deathbycaptcha"));
  if (!account) {
    ctx.bans.recordWrongKey(client, flavour);
    return dbcError("ACCESS_DENIED");
  }
  ctx.book.touch(account);
  return successAnswer("deathbycaptcha", flavour, account.state.balance, account.decimals);
}
