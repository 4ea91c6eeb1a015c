/** NopeCHA's status (`GET /status/?key=K`, or `/api/status`, or `Authorization: Bearer K`): the account's credits. */
import { banCode, errorAnswer, nopechaError, type SimResponse, successAnswer } from "../protocol.ts";
import { balanceCall, type Handled, type ProtocolContext, type SimRequest } from "./context.ts";

export function nopecha(req: SimRequest, ctx: ProtocolContext): Handled | null {
  if (!/^\/(api\/)?status\/?$/.test(req.url.pathname) || req.method !== "GET") return null;
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
  const key = req.url.searchParams.get("key") ?? bearer ?? "";
  return balanceCall("nopecha", key, true, () => balance(ctx, key, req.client));
}

function balance(ctx: ProtocolContext, key: string, client: string): SimResponse {
  const account = ctx.book.byKey(key);
  const flavour = account?.flavour ?? ctx.flavour;
  if (ctx.bans.isBanned(client)) return nopechaError(flavour, banCode(flavour, "nopecha"));
  if (!account) {
    ctx.bans.recordWrongKey(client, flavour);
    return errorAnswer("nopecha", flavour, "InvalidKey");
  }
  ctx.book.touch(account);
  return successAnswer("nopecha", flavour, account.state.balance, account.decimals);
}
