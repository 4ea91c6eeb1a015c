/**
 * The landing page at `/`: one row per account with balance, runway (counted from now, with the
 * predicted exhaustion time and the pessimistic runway), spend rate, last check, last
 * error and a small inline-SVG chart of the recent balance. Pure rendering from the pollers' status:
 * no scripts, no external assets, every value HTML-escaped.
 */
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { formatMoney } from "../core/money.ts";
import type { AccountStatus, BalancePoint } from "./poller.ts";
import { balanceChart } from "./landing-chart.ts";
import { escapeHtml, formatDuration, formatRate, formatUtcMinute } from "./landing-format.ts";

export { balanceChart } from "./landing-chart.ts";
export { escapeHtml, formatDuration, formatRate, formatUtcMinute } from "./landing-format.ts";

export interface LandingInput {
  readonly accounts: readonly AccountStatus[];
  readonly telemetryPath: string;
  readonly version: string;
  readonly nowMs: number;
  /** Sharded: the page lists only this shard's accounts and says so. */
  readonly shard?: { readonly ordinal: number; readonly total: number };
  readonly demo: boolean;
}

/** Bounds of the page's own reload interval (seconds): no faster than a browser should hammer, no slower than stale. */
export const REFRESH_MIN_SECONDS = 5;
export const REFRESH_MAX_SECONDS = 300;

/**
 * How often the page reloads itself (`<meta http-equiv="refresh">`, no script): as often as the
 * most frequently checked account gets new values, within REFRESH_MIN/MAX_SECONDS.
 */
export function refreshSeconds(accounts: readonly Pick<AccountStatus, "intervalMs">[]): number {
  let min = Infinity;
  for (const a of accounts) if (a.intervalMs > 0 && a.intervalMs < min) min = a.intervalMs;
  if (!Number.isFinite(min)) return 60;
  return Math.min(REFRESH_MAX_SECONDS, Math.max(REFRESH_MIN_SECONDS, Math.round(min / 1000)));
}

function ago(atMs: number | null, nowMs: number): string {
  if (atMs === null) return "never";
  if (nowMs - atMs < 1000) return "just now";
  return `${formatDuration((nowMs - atMs) / 1000)} ago`;
}

const DAY = 86_400;

/**
 * Out of money: the last balance read is zero or below, or the provider's last answer was its
 * no-funds error (ERROR_ZERO_BALANCE and the like).
 */
export function isExhausted(a: AccountStatus): boolean {
  if (a.up === false && a.lastError?.reason === "no_funds") return true;
  return a.balance !== null && a.balance <= 0;
}

/** Seconds of runway left now (the estimate is as of the last successful check); null when unknown. */
function runwayLeft(a: AccountStatus, nowMs: number): number | null {
  const r = a.estimate.runwaySeconds;
  if (a.balance === null || r === null) return null;
  const asOfMs = a.lastSuccessAtMs ?? nowMs;
  return Math.max(0, (asOfMs + r * 1000 - nowMs) / 1000);
}

/** When the balance last went to zero: the first of the latest run of points at or below it. */
function emptySince(history: readonly BalancePoint[]): number | null {
  let since: number | null = null;
  for (let i = history.length - 1; i >= 0 && history[i]!.balance <= 0; i--) since = history[i]!.t;
  return since;
}

/** What the page says about an account, in words (so colour is never the only sign). */
type Standing = "exhausted" | "critical" | "low" | "failing" | "ok" | "pending";

function standing(a: AccountStatus, nowMs: number): Standing {
  if (isExhausted(a)) return "exhausted";
  if (a.up === false) return "failing";
  if (a.up === null) return "pending";
  const left = runwayLeft(a, nowMs);
  if (left !== null && left < DAY) return "critical";
  if (left !== null && left < 7 * DAY) return "low";
  return "ok";
}

const BADGE: Record<Standing, string> = {
  exhausted: `<span class="badge bad">out of money</span>`,
  critical: `<span class="badge bad">under a day left</span>`,
  low: `<span class="badge warn">under a week left</span>`,
  failing: `<span class="badge bad">check failing</span>`,
  ok: "",
  pending: `<span class="badge muted">waiting for first check</span>`,
};

/**
 * The runway counted from now (the estimate is as of the last successful check), when it runs out
 * ("runs out around <UTC time>"), and the pessimistic runway (outlived with 90 % probability).
 */
function runwayCell(a: AccountStatus, nowMs: number): string {
  if (isExhausted(a)) {
    const since = emptySince(a.history);
    const when =
      since === null
        ? a.lastError?.reason === "no_funds"
          ? `<div class="muted small">the provider answers: no funds</div>`
          : ""
        : `<div class="muted small">empty since <time datetime="${escapeHtml(new Date(since * 1000).toISOString())}">${escapeHtml(formatUtcMinute(since * 1000))}</time></div>`;
    return `<span class="bad">run out</span>${when}`;
  }
  const r = a.estimate.runwaySeconds;
  if (a.balance === null) return `<span class="muted">unknown</span>`;
  if (r === null) return `<span class="muted" title="no spend seen yet">no spend yet</span>`;
  const asOfMs = a.lastSuccessAtMs ?? nowMs;
  const endMs = asOfMs + r * 1000;
  const left = Math.max(0, (endMs - nowMs) / 1000);
  const cls = left < DAY ? "bad" : left < 7 * DAY ? "warn" : "good";
  const when = Number.isFinite(endMs) && Math.abs(endMs) <= 8.64e15 ? formatUtcMinute(endMs) : null;
  const around =
    when === null
      ? ""
      : `<div class="muted small">${endMs > nowMs ? "runs out around" : "may have run out around"} <time datetime="${escapeHtml(new Date(endMs).toISOString())}">${escapeHtml(when)}</time></div>`;
  const low = a.estimate.runwayLowerBoundSeconds;
  const lowLeft = low === null ? null : Math.max(0, (asOfMs + low * 1000 - nowMs) / 1000);
  const worst =
    lowLeft === null
      ? ""
      : `<div class="muted small" title="pessimistic runway: the account outlives it with 90 % probability">at worst ${escapeHtml(formatDuration(lowLeft))} (1 in 10)</div>`;
  return `<span class="${cls}">${escapeHtml(formatDuration(left))}</span>${around}${worst}`;
}

/**
 * The chart of each history as last drawn: a history only changes when its account is checked, so a
 * page render redraws only the charts of accounts checked since the last one (keyed by the history
 * array, which the poller updates in place; forgotten with it).
 */
const drawn = new WeakMap<readonly BalancePoint[], { key: string; svg: string }>();

export function cachedBalanceChart(a: AccountStatus, id: string): string {
  const { history, currency, estimate } = a;
  const first = history[0];
  const last = history[history.length - 1];
  const key = `${id} ${history.length} ${first?.t} ${last?.t} ${last?.balance} ${currency} ${estimate.runwaySeconds} ${estimate.runwayLowerBoundSeconds}`;
  const hit = drawn.get(history);
  if (hit && hit.key === key) return hit.svg;
  // the estimate is as of the last successful check, the history's last point
  const svg = balanceChart(history, currency, { runwaySeconds: estimate.runwaySeconds, lowerBoundSeconds: estimate.runwayLowerBoundSeconds }, id);
  drawn.set(history, { key, svg });
  return svg;
}

function row(a: AccountStatus, nowMs: number, index: number): string {
  const state = a.up === null ? "pending" : a.up ? "up" : "down";
  const stateText = a.up === null ? "waiting for first check" : a.up ? "last check succeeded" : "last check failed";
  const st = standing(a, nowMs);
  const balance =
    a.balance === null
      ? `<span class="muted">unknown</span>`
      : `<span class="${st === "exhausted" ? "bad" : ""}">${escapeHtml(formatMoney(a.balance, a.currency))}</span>`;
  const rate = a.estimate.spendRatePerSecond === null ? `<span class="muted">–</span>` : escapeHtml(formatRate(a.estimate.spendRatePerSecond, a.currency));
  const err = a.lastError
    ? `<span class="reason" title="${escapeHtml(a.lastError.message)}">${escapeHtml(a.lastError.reason)}</span> <span class="muted">${escapeHtml(ago(a.lastError.atMs, nowMs))}</span>`
    : `<span class="muted">none</span>`;
  const lastCheck = a.lastAttemptAtMs === null ? "never" : ago(a.lastAttemptAtMs, nowMs);
  const lastIso = a.lastAttemptAtMs === null ? "" : new Date(a.lastAttemptAtMs).toISOString();
  return `<tr class="${state} ${st}">
<td><span class="dot ${state}" title="${escapeHtml(stateText)}"></span><span class="name">${escapeHtml(a.labels.account)}</span><div class="muted small nowrap">${escapeHtml(a.labels.provider)} · every ${escapeHtml(formatDuration(a.intervalMs / 1000))}</div>${BADGE[st]}</td>
<td class="num">${balance}</td>
<td class="num">${runwayCell(a, nowMs)}</td>
<td class="num">${rate}</td>
<td class="nowrap"><span title="${escapeHtml(lastIso)}">${escapeHtml(lastCheck)}</span></td>
<td>${err}</td>
<td>${cachedBalanceChart(a, `c${index}`)}</td>
</tr>`;
}

/** Names shown in a callout before "and N more". */
const CALLOUT_NAMES = 8;

function names(list: readonly AccountStatus[]): string {
  const shown = list.slice(0, CALLOUT_NAMES).map((a) => `<span class="name">${escapeHtml(a.labels.account)}</span>`);
  const more = list.length > CALLOUT_NAMES ? `, and ${list.length - CALLOUT_NAMES} more` : "";
  return shown.join(", ") + more;
}

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

/** The callouts at the top of the page: exhausted accounts first, then those running out, then failing checks. */
function callouts(accounts: readonly AccountStatus[], nowMs: number): string {
  const by: Record<Standing, AccountStatus[]> = { exhausted: [], critical: [], low: [], failing: [], ok: [], pending: [] };
  for (const a of accounts) by[standing(a, nowMs)].push(a);
  let html = "";
  const n = by.exhausted.length;
  if (n > 0) {
    html += `<div class="callout bad" role="alert"><strong>Out of money: ${n} ${plural(n, "account has", "accounts have")} no balance left</strong> — ${names(by.exhausted)}. Solves fail until ${plural(n, "it is", "they are")} topped up.</div>\n`;
  }
  const c = by.critical.length;
  if (c > 0) html += `<div class="callout warn"><strong>Runs out within a day: ${c} ${plural(c, "account", "accounts")}</strong> — ${names(by.critical)}.</div>\n`;
  const f = by.failing.length;
  if (f > 0) {
    html += `<div class="callout warn"><strong>Balance checks failing: ${f} ${plural(f, "account", "accounts")}</strong> — ${names(by.failing)}. Their balance and runway are not being updated; see the last error.</div>\n`;
  }
  return html;
}

const STYLE = `
:root{color-scheme:light dark;--fg:#1d2330;--muted:#6b7280;--bg:#f7f8fa;--card:#fff;--line:#e5e7eb;--accent:#2563eb;--good:#15803d;--warn:#b45309;--bad:#b91c1c;--warn-bg:#fef3c7;--bad-bg:#fee2e2}
@media (prefers-color-scheme:dark){:root{--fg:#e5e7eb;--muted:#9ca3af;--bg:#111827;--card:#1f2937;--line:#374151;--accent:#60a5fa;--good:#4ade80;--warn:#fbbf24;--bad:#f87171;--warn-bg:#422006;--bad-bg:#450a0a}}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
header{padding:20px 28px 8px}h1{margin:0;font-size:20px}header p{margin:4px 0 0;color:var(--muted)}
main{padding:8px 28px 28px}table{width:100%;border-collapse:collapse;background:var(--card);border:1px solid var(--line);border-radius:8px;overflow:hidden}
th,td{padding:10px 12px;border-bottom:1px solid var(--line);text-align:left;vertical-align:middle}th{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-weight:600}
th .legend{display:block;text-transform:none;letter-spacing:0;font-weight:400}
tr:last-child td{border-bottom:0}.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}.name{font-weight:600;white-space:nowrap}.nowrap{white-space:nowrap}
tr.exhausted td{background:var(--bad-bg)}tr.exhausted td:first-child{box-shadow:inset 4px 0 var(--bad)}tr.critical td:first-child,tr.failing td:first-child{box-shadow:inset 4px 0 var(--bad)}tr.low td:first-child{box-shadow:inset 4px 0 var(--warn)}
.muted{color:var(--muted);fill:var(--muted)}.small{font-size:12px}.good{color:var(--good)}.warn{color:var(--warn);font-weight:600}.bad{color:var(--bad);font-weight:700}
.badge{display:inline-block;white-space:nowrap;margin-top:3px;padding:0 6px;border:1px solid currentColor;border-radius:9px;font-size:11px;font-weight:700;text-transform:uppercase;letter-spacing:.03em}
.reason{font-family:ui-monospace,Menlo,Consolas,monospace;color:var(--bad)}
.dot{display:inline-block;width:9px;height:9px;border-radius:50%;margin-right:8px;background:var(--muted)}.dot.up{background:var(--good)}.dot.down{background:var(--bad)}
.chart{display:block}.chart .line{fill:none;stroke:var(--accent);stroke-width:1.6;stroke-linejoin:round}.chart .area{fill:var(--accent);opacity:.12}.chart text{font-size:11px}
.chart .label{font-size:10px;fill:var(--muted);font-variant-numeric:tabular-nums}.chart .axis{stroke:var(--muted);stroke-width:1}.chart .grid{stroke:var(--line);stroke-width:1}
.chart .projection{stroke:var(--warn);stroke-width:1.6;stroke-dasharray:5 3}.chart .worst{stroke:var(--bad);stroke-width:1.2;stroke-dasharray:1.5 2.5}.chart .zero{fill:var(--warn)}
a{color:var(--accent)}footer{padding:0 28px 24px;color:var(--muted);font-size:12px}.banner{margin:0 0 12px;padding:8px 12px;border-radius:6px;background:var(--warn-bg);color:var(--fg)}
caption{caption-side:bottom;text-align:left;padding:6px 2px;color:var(--muted);font-size:12px}
.callout{margin:0 0 12px;padding:10px 14px;border-radius:6px;border-left:5px solid}.callout.bad{background:var(--bad-bg);border-color:var(--bad)}.callout.warn{background:var(--warn-bg);border-color:var(--warn)}
`;

function summary(accounts: readonly AccountStatus[]): string {
  const n = accounts.length;
  return `${n} ${plural(n, "account", "accounts")}`;
}

function pageHead(input: LandingInput, refresh: number): string {
  const path = escapeHtml(input.telemetryPath);
  const demo = input.demo
    ? `<p class="banner">Demo mode: the balance below comes from the built-in simulator, which spends fast so the runway moves within a minute; the account runs dry after about 3 minutes and is topped up 4 minutes later (alerts fire and resolve).</p>`
    : "";
  const shard =
    input.shard && input.shard.total > 1
      ? `<p class="banner">Shard ${input.shard.ordinal} of ${input.shard.total} (ordinals 0 to ${input.shard.total - 1}): this exporter polls only the ${input.accounts.length} configured account${input.accounts.length === 1 ? "" : "s"} whose name hashes to this shard; the other shards show the rest.</p>`
      : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${refresh}">
<title>captcha-runway exporter</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<header><h1>captcha-runway exporter</h1><p>How long the money for CAPTCHA solving lasts. Prometheus metrics: <a href="${path}">${path}</a></p></header>
<main>
${demo}${shard}${callouts(input.accounts, input.nowMs)}<table>
<caption>${summary(input.accounts)} · as of ${escapeHtml(formatUtcMinute(input.nowMs))}</caption>
<thead><tr><th>Account</th><th class="num">Balance</th><th class="num">Runway</th><th class="num">Spend rate</th><th>Last check</th><th>Last error</th><th>Balance history <span class="legend">UTC · dashed: projected to zero · dotted: at worst (1 in 10)</span></th></tr></thead>
<tbody>
`;
}

function pageFoot(input: LandingInput, refresh: number): string {
  return `
</tbody>
</table>
</main>
<footer>captcha-runway ${escapeHtml(input.version)} · values are cached and refreshed by background checks; a scrape never calls a provider · this page reloads itself every ${escapeHtml(formatDuration(refresh))} · <a href="/-/healthy">/-/healthy</a> · <a href="/-/ready">/-/ready</a></footer>
</body>
</html>
`;
}

const NO_ACCOUNTS = `<tr><td colspan="7" class="muted">No accounts configured.</td></tr>`;

export function renderLanding(input: LandingInput): string {
  const refresh = refreshSeconds(input.accounts);
  const rows = input.accounts.map((a, i) => row(a, input.nowMs, i)).join("\n");
  return pageHead(input, refresh) + (rows || NO_ACCOUNTS) + pageFoot(input, refresh);
}

/**
 * The same page as renderLanding, giving the event loop back every `rowsPerSlice` rows, so that
 * rendering 1,000 accounts never holds a scrape up for more than a slice.
 */
export async function renderLandingInSlices(input: LandingInput, rowsPerSlice = 50): Promise<string> {
  const refresh = refreshSeconds(input.accounts);
  const head = pageHead(input, refresh);
  const rows: string[] = [];
  for (let i = 0; i < input.accounts.length; i++) {
    if (i > 0 && i % rowsPerSlice === 0) await yieldToLoop();
    rows.push(row(input.accounts[i]!, input.nowMs, i));
  }
  return head + (rows.join("\n") || NO_ACCOUNTS) + pageFoot(input, refresh);
}
