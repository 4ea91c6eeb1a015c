/**
 * The landing page at `/`: one row per account with balance, runway (counted from now, with the
 * predicted exhaustion time and the pessimistic runway), spend rate, last check, last
 * error and a small inline-SVG chart of the recent balance. Pure rendering from the pollers' status:
 * no scripts, no external assets, every value HTML-escaped.
 */
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { formatMoney } from "../core/money.ts";
import type { AccountStatus, BalancePoint } from "./poller.ts";

export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** "3 d 4 h", "5 h 12 min", "7 min 3 s", "42 s", "250 ms". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "∞";
  if (seconds > 0 && seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  const s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d >= 100) return `${d} d`;
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  if (m > 0) return sec > 0 ? `${m} min ${sec} s` : `${m} min`;
  return `${sec} s`;
}

export function formatRate(perSecond: number, currency: string): string {
  const perHour = perSecond * 3600;
  if (perHour >= 0.01) return `${formatMoney(perHour, currency)}/h`;
  return `${formatMoney(perHour * 24, currency)}/day`;
}

function ago(atMs: number | null, nowMs: number): string {
  if (atMs === null) return "never";
  if (nowMs - atMs < 1000) return "just now";
  return `${formatDuration((nowMs - atMs) / 1000)} ago`;
}

/**
 * The chart of each history as last drawn: a history only changes when its account is checked, so a
 * page render redraws only the charts of accounts checked since the last one (keyed by the history
 * array, which the poller updates in place; forgotten with it).
 */
const drawn = new WeakMap<readonly BalancePoint[], { key: string; svg: string }>();

export function cachedBalanceChart(history: readonly BalancePoint[], currency: string): string {
  const first = history[0];
  const last = history[history.length - 1];
  const key = `${history.length} ${first?.t} ${last?.t} ${last?.balance} ${currency}`;
  const hit = drawn.get(history);
  if (hit && hit.key === key) return hit.svg;
  const svg = balanceChart(history, currency);
  drawn.set(history, { key, svg });
  return svg;
}

/** A small line chart of the balance history; bounded by the history the poller keeps. */
export function balanceChart(history: readonly BalancePoint[], currency: string, width = 260, height = 56): string {
  if (history.length < 2) {
    return `<svg class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="not enough history yet"><text x="${width / 2}" y="${height / 2 + 4}" text-anchor="middle" class="muted">collecting history…</text></svg>`;
  }
  const pad = 4;
  const t0 = history[0]!.t;
  const t1 = history[history.length - 1]!.t;
  let lo = Math.min(...history.map((p) => p.balance));
  let hi = Math.max(...history.map((p) => p.balance));
  if (hi === lo) {
    hi += 1;
    lo = Math.max(0, lo - 1);
  }
  const x = (t: number) => pad + ((t - t0) / Math.max(1e-9, t1 - t0)) * (width - 2 * pad);
  const y = (b: number) => pad + (1 - (b - lo) / (hi - lo)) * (height - 2 * pad);
  const pts = history.map((p) => `${x(p.t).toFixed(1)},${y(p.balance).toFixed(1)}`);
  const area = `M${pts[0]} L${pts.slice(1).join(" L")} L${x(t1).toFixed(1)},${height - pad} L${x(t0).toFixed(1)},${height - pad} Z`;
  const label = `balance from ${formatMoney(history[0]!.balance, currency)} to ${formatMoney(history[history.length - 1]!.balance, currency)} over ${formatDuration(t1 - t0)}`;
  return (
    `<svg class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(label)}">` +
    `<title>${escapeHtml(label)}</title>` +
    `<path d="${area}" class="area"/>` +
    `<polyline points="${pts.join(" ")}" class="line"/>` +
    `</svg>`
  );
}

export interface LandingInput {
  readonly accounts: readonly AccountStatus[];
  readonly telemetryPath: string;
  readonly version: string;
  readonly nowMs: number;
  /** Sharded: the page lists only this shard's accounts and says so. */
  readonly shard?: { readonly ordinal: number; readonly total: number };
  readonly demo: boolean;
}

/** "2026-12-02 14:05 UTC": a predicted moment, to the minute. */
export function formatUtcMinute(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/**
 * The runway counted from now (the estimate is as of the last successful check), when it runs out
 * ("runs out around <UTC time>"), and the pessimistic runway (outlived with 90 % probability).
 */
function runwayCell(a: AccountStatus, nowMs: number): string {
  const r = a.estimate.runwaySeconds;
  if (a.balance === null) return `<span class="muted">–</span>`;
  if (r === null) return `<span class="muted" title="no spend seen yet">no spend yet</span>`;
  const asOfMs = a.lastSuccessAtMs ?? nowMs;
  const endMs = asOfMs + r * 1000;
  const left = Math.max(0, (endMs - nowMs) / 1000);
  const cls = left < 86_400 ? "bad" : left < 7 * 86_400 ? "warn" : "good";
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

function row(a: AccountStatus, nowMs: number): string {
  const state = a.up === null ? "pending" : a.up ? "up" : "down";
  const stateText = a.up === null ? "waiting for first check" : a.up ? "last check succeeded" : "last check failed";
  const balance = a.balance === null ? `<span class="muted">–</span>` : escapeHtml(formatMoney(a.balance, a.currency));
  const rate = a.estimate.spendRatePerSecond === null ? `<span class="muted">–</span>` : escapeHtml(formatRate(a.estimate.spendRatePerSecond, a.currency));
  const err = a.lastError
    ? `<span class="reason" title="${escapeHtml(a.lastError.message)}">${escapeHtml(a.lastError.reason)}</span> <span class="muted">${escapeHtml(ago(a.lastError.atMs, nowMs))}</span>`
    : `<span class="muted">none</span>`;
  const lastCheck = a.lastAttemptAtMs === null ? "never" : ago(a.lastAttemptAtMs, nowMs);
  const lastIso = a.lastAttemptAtMs === null ? "" : new Date(a.lastAttemptAtMs).toISOString();
  return `<tr class="${state}">
<td><span class="dot ${state}" title="${escapeHtml(stateText)}"></span><span class="name">${escapeHtml(a.labels.account)}</span><div class="muted small">${escapeHtml(a.labels.provider)} · every ${escapeHtml(formatDuration(a.intervalMs / 1000))}</div></td>
<td class="num">${balance}</td>
<td class="num">${runwayCell(a, nowMs)}</td>
<td class="num">${rate}</td>
<td><span title="${escapeHtml(lastIso)}">${escapeHtml(lastCheck)}</span></td>
<td>${err}</td>
<td>${cachedBalanceChart(a.history, a.currency)}</td>
</tr>`;
}

const STYLE = `
:root{color-scheme:light dark;--fg:#1d2330;--muted:#6b7280;--bg:#f7f8fa;--card:#fff;--line:#e5e7eb;--accent:#2563eb;--good:#15803d;--warn:#b45309;--bad:#b91c1c}
@media (prefers-color-scheme:dark){:root{--fg:#e5e7eb;--muted:#9ca3af;--bg:#111827;--card:#1f2937;--line:#374151;--accent:#60a5fa;--good:#4ade80;--warn:#fbbf24;--bad:#f87171}}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
header{padding:20px 28px 8px}h1{margin:0;font-size:20px}header p{margin:4px 0 0;color:var(--muted)}
main{padding:8px 28px 28px}table{width:100%;border-collapse:collapse;background:var(--card);border:1px solid var(--line);border-radius:8px;overflow:hidden}
th,td{padding:10px 12px;border-bottom:1px solid var(--line);text-align:left;vertical-align:middle}th{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-weight:600}
tr:last-child td{border-bottom:0}.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}.name{font-weight:600}
.muted{color:var(--muted);fill:var(--muted)}.small{font-size:12px}.good{color:var(--good)}.warn{color:var(--warn);font-weight:600}.bad{color:var(--bad);font-weight:700}
.reason{font-family:ui-monospace,Menlo,Consolas,monospace;color:var(--bad)}
.dot{display:inline-block;width:9px;height:9px;border-radius:50%;margin-right:8px;background:var(--muted)}.dot.up{background:var(--good)}.dot.down{background:var(--bad)}
.chart .line{fill:none;stroke:var(--accent);stroke-width:1.6;stroke-linejoin:round}.chart .area{fill:var(--accent);opacity:.12}.chart text{font-size:11px}
a{color:var(--accent)}footer{padding:0 28px 24px;color:var(--muted);font-size:12px}.banner{margin:0 0 12px;padding:8px 12px;border-radius:6px;background:#fef3c7;color:#78350f}
`;

function pageHead(input: LandingInput): string {
  const path = escapeHtml(input.telemetryPath);
  const demo = input.demo
    ? `<p class="banner">Demo mode: the balance below comes from the built-in simulator, which spends fast so the runway moves within a minute.</p>`
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
<title>captcha-runway exporter</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<header><h1>captcha-runway exporter</h1><p>How long the money for CAPTCHA solving lasts. Prometheus metrics: <a href="${path}">${path}</a></p></header>
<main>
${demo}${shard}<table>
<thead><tr><th>Account</th><th class="num">Balance</th><th class="num">Runway</th><th class="num">Spend rate</th><th>Last check</th><th>Last error</th><th>Balance history</th></tr></thead>
<tbody>
`;
}

function pageFoot(input: LandingInput): string {
  return `
</tbody>
</table>
</main>
<footer>captcha-runway ${escapeHtml(input.version)} · values are cached and refreshed by background checks; a scrape never calls a provider · <a href="/-/healthy">/-/healthy</a> · <a href="/-/ready">/-/ready</a></footer>
</body>
</html>
`;
}

const NO_ACCOUNTS = `<tr><td colspan="7" class="muted">No accounts configured.</td></tr>`;

export function renderLanding(input: LandingInput): string {
  const rows = input.accounts.map((a) => row(a, input.nowMs)).join("\n");
  return pageHead(input) + (rows || NO_ACCOUNTS) + pageFoot(input);
}

/**
 * The same page as renderLanding, giving the event loop back every `rowsPerSlice` rows, so that
 * rendering 1,000 accounts never holds a scrape up for more than a slice.
 */
export async function renderLandingInSlices(input: LandingInput, rowsPerSlice = 50): Promise<string> {
  const rows: string[] = [];
  for (let i = 0; i < input.accounts.length; i++) {
    if (i > 0 && i % rowsPerSlice === 0) await yieldToLoop();
    rows.push(row(input.accounts[i]!, input.nowMs));
  }
  return pageHead(input) + (rows.join("\n") || NO_ACCOUNTS) + pageFoot(input);
}
