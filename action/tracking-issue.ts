/**
 * One tracking issue per provider account, for scheduled checks: opened (or updated) while the balance
 * is short or cannot be read, closed with a comment when it covers the batch again.
 * The issue is found by label plus a hidden marker naming the provider and a fingerprint of the account,
 * so two gates in one repository never fight over the same issue.
 */
import { createHash } from "node:crypto";
import { formatMoney } from "../core/money.ts";
import type { ProviderName } from "../core/providers/types.ts";
import type { Issue, IssuesApi } from "./github-api.ts";
import type { Outcome, VerdictContext } from "./outcome.ts";
import { renderReport } from "./summary.ts";

/**
 * Identifies an account without revealing its key: the first 12 hex digits of SHA-256 over a fixed
 * prefix, the provider, the API URL and the key (keys are long random strings, so this cannot be
 * reversed).
 */
export function accountFingerprint(provider: ProviderName, apiKey: string, apiUrl?: string): string {
  return createHash("sha256")
    .update(`captcha-runway\0${provider}\0${apiUrl ?? ""}\0${apiKey}`)
    .digest("hex")
    .slice(0, 12);
}

export function issueMarker(provider: ProviderName, account: string): string {
  return `<!-- captcha-runway:tracking-issue provider=${provider} account=${account} -->`;
}

const STATE_RE = /<!-- captcha-runway:state ([a-z_:]+) -->/;

export interface TrackingContext extends VerdictContext {
  readonly account: string;
  readonly labels: readonly string[];
  /** Link to the workflow run, when known. */
  readonly runUrl?: string;
  readonly now: Date;
}

export type TrackingResult =
  | { readonly action: "none" }
  | { readonly action: "opened" | "updated" | "closed"; readonly number: number; readonly commented: boolean };

function stateOf(outcome: Outcome): string {
  if (outcome.kind === "unreadable") return `unreadable:${outcome.reason}`;
  return outcome.quote.covered ? "covered" : "short";
}

function titleOf(outcome: Outcome, provider: ProviderName): string {
  return outcome.kind === "unreadable"
    ? `CAPTCHA balance check failing (${provider}: ${outcome.reason})`
    : `CAPTCHA balance too low for the batch (${provider})`;
}

function checkedLine(ctx: TrackingContext): string {
  const when = ctx.now.toISOString().replace(/\.\d+Z$/, "Z");
  return `Last checked ${when}${ctx.runUrl ? ` by [this run](${ctx.runUrl})` : ""}.`;
}

function bodyOf(outcome: Outcome, ctx: TrackingContext): string {
  return [
    issueMarker(ctx.provider, ctx.account),
    `<!-- captcha-runway:state ${stateOf(outcome)} -->`,
    "",
    renderReport(outcome, ctx),
    `Account: \`${ctx.provider}\`, fingerprint \`${ctx.account}\`. ${checkedLine(ctx)}`,
    "",
    "This issue is kept up to date by the captcha-runway action and closed when the balance covers the batch again.",
    "",
  ].join("\n");
}

/** Finds this account's open tracking issue (the oldest, if several carry the marker). */
export async function findTrackingIssue(api: IssuesApi, ctx: Pick<TrackingContext, "provider" | "account" | "labels">): Promise<Issue | undefined> {
  const marker = issueMarker(ctx.provider, ctx.account);
  const issues = await api.listOpenIssues(ctx.labels);
  return issues.filter((i) => i.body.includes(marker)).sort((a, b) => a.number - b.number)[0];
}

/** Brings the tracking issue in line with the outcome. Throws GitHubApiError when GitHub refuses. */
export async function syncTrackingIssue(api: IssuesApi, outcome: Outcome, ctx: TrackingContext): Promise<TrackingResult> {
  const existing = await findTrackingIssue(api, ctx);
  const state = stateOf(outcome);
  if (state === "covered") {
    if (!existing) return { action: "none" };
    const q = (outcome as Extract<Outcome, { kind: "checked" }>).quote;
    await api.comment(
      existing.number,
      `Recovered: the balance of ${formatMoney(q.balance, q.currency)} covers the batch (${formatMoney(q.required, q.currency)} required). Closing. ${checkedLine(ctx)}`,
    );
    await api.closeIssue(existing.number);
    return { action: "closed", number: existing.number, commented: true };
  }
  const title = titleOf(outcome, ctx.provider);
  const body = bodyOf(outcome, ctx);
  if (!existing) {
    const created = await api.createIssue(title, body, ctx.labels);
    return { action: "opened", number: created.number, commented: false };
  }
  await api.updateIssue(existing.number, title, body);
  // Comment when the situation changes (short ↔ unreadable, another reason), so subscribers hear of
  // it; a scheduled run that finds the same situation only refreshes the body, without notifications.
  const previous = STATE_RE.exec(existing.body)?.[1];
  if (previous === state) return { action: "updated", number: existing.number, commented: false };
  const headline = renderReport(outcome, ctx).split("\n")[0];
  await api.comment(existing.number, `${headline} ${checkedLine(ctx)}`);
  return { action: "updated", number: existing.number, commented: true };
}
