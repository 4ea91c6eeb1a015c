/**
 * The client-key JSON protocol (Anti-Captcha, CapSolver, CapMonster, EzCaptcha, 2Captcha/RuCaptcha
 * API v2): `POST /getBalance {"clientKey":K}` (the balance call), Anti-Captcha's
 * `POST /getSpendingStats` (the spend history), and `/createTask` / `/getTaskResult` (solving).
 * A missing `clientKey` or a body that is not JSON is an unknown key.
 */
import { getDefinition } from "../../core/providers/catalog.ts";
import type { Account } from "../accounts.ts";
import {
  banCode,
  clientKeyBadKeyCode,
  clientKeyError,
  clientKeySuccess,
  type Flavour,
  jsonResponse,
  notFound,
  type SimResponse,
} from "../protocol.ts";
import { spendingStatsRecords } from "../spend-history.ts";
import { balanceCall, type Handled, isRefusal, other, type ProtocolContext, type SimRequest } from "./context.ts";

export function clientKey(req: SimRequest, ctx: ProtocolContext): Handled | null {
  switch (req.url.pathname) {
    case "/getBalance": {
      const key = clientKeyOf(req.body);
      return balanceCall("client-key", key ?? "", true, () => balance(ctx, key, req.client));
    }
    case "/getSpendingStats":
      return req.method === "POST" ? other(spendingStats(ctx, clientKeyOf(req.body), req.client)) : null;
    case "/createTask":
    case "/getTaskResult":
      return other(solve(ctx, req.url.pathname, jsonObject(req.body), req.client));
    default:
      return null;
  }
}

function balance(ctx: ProtocolContext, key: string | null, client: string): SimResponse {
  const found = key === null ? undefined : ctx.book.byKey(key);
  const flavour = found?.flavour ?? ctx.flavour;
  const account = admit(ctx, found, flavour, client);
  if (isRefusal(account)) return account;
  ctx.book.touch(account);
  return clientKeySuccess(flavour, account.state.balance, account.decimals, { captchaCredits: account.captchaCredits });
}

/** getSpendingStats (spend-history.ts); flavours whose provider documents no such endpoint answer 404. */
function spendingStats(ctx: ProtocolContext, key: string | null, client: string): SimResponse {
  ctx.spendingStats.calls++;
  const found = key === null ? undefined : ctx.book.byKey(key);
  // an unknown key is refused as a provider with the endpoint refuses it
  const flavour = found?.flavour ?? (getDefinition(ctx.flavour).spendingStats ? ctx.flavour : "anti-captcha");
  if (!getDefinition(flavour).spendingStats) return notFound();
  const account = admit(ctx, found, flavour, client);
  if (isRefusal(account)) return account;
  if (ctx.spendingStats.error) return clientKeyError(flavour, ctx.spendingStats.error);
  ctx.book.touch(account);
  const data = spendingStatsRecords(account.ledger, account.process, ctx.book.originSeconds, account.state.t, account.solvePrice);
  return jsonResponse({ errorId: 0, data });
}

/** createTask charges a solve (ERROR_ZERO_BALANCE when the balance cannot pay); getTaskResult is ready at once. */
function solve(ctx: ProtocolContext, path: "/createTask" | "/getTaskResult", body: Record<string, unknown> | null, client: string): SimResponse {
  const key = typeof body?.["clientKey"] === "string" ? (body["clientKey"] as string) : null;
  const found = key === null ? undefined : ctx.book.byKey(key);
  const flavour = found?.flavour ?? ctx.flavour;
  const account = admit(ctx, found, flavour, client);
  if (isRefusal(account)) return account;
  if (path === "/createTask") {
    const id = ctx.solves.solve(account);
    return id === null ? clientKeyError(flavour, "ERROR_ZERO_BALANCE") : jsonResponse({ errorId: 0, taskId: id });
  }
  const task = ctx.solves.result(body?.["taskId"], account.key);
  if (!task) return clientKeyError(flavour, "ERROR_NO_SUCH_CAPCHA_ID");
  return jsonResponse({
    errorId: 0,
    status: "ready",
    solution: { gRecaptchaResponse: task.token, token: task.token },
    cost: account.solvePrice.toFixed(account.decimals),
  });
}

/** The key checks of every client-key call: a ban, then an unknown key (`flavour` answers both). */
function admit(ctx: ProtocolContext, account: Account | undefined, flavour: Flavour, client: string): Account | SimResponse {
  if (ctx.bans.isBanned(client)) return clientKeyError(flavour, banCode(flavour, "client-key"));
  if (!account) {
    ctx.bans.recordWrongKey(client, flavour);
    return clientKeyError(flavour, clientKeyBadKeyCode(flavour));
  }
  return account;
}

/** The `clientKey` of a request body, or null when the body has none. */
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

/** The body as a JSON object, or null when it is not one. */
function jsonObject(body: string): Record<string, unknown> | null {
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = null;
  }
  return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
}
