/**
 * The landing page's balance chart: an inline SVG of the recent balance with its value and time
 * (UTC) labels and, when the runway is known, the projected path to zero (dashed) and the
 * pessimistic one (dotted). Pure: the same history and estimate always give the same markup.
 */
import type { BalancePoint } from "./poller.ts";
import { formatMoney } from "../core/money.ts";
import { escapeHtml, formatUtcMinute } from "./landing-format.ts";

export interface ChartProjection {
  /** Seconds from the last point until the balance reaches zero; null when unknown. */
  readonly runwaySeconds: number | null;
  /** The pessimistic runway (outlived with 90 % probability), same origin; null when unknown. */
  readonly lowerBoundSeconds: number | null;
}

export const CHART_WIDTH = 320;
export const CHART_HEIGHT = 84;
const TOP = 8;
const BOTTOM = 18; // room for the time labels
const RIGHT = 6;
const CHAR_PX = 6; // width of a label character at 10 px, generously
/** History keeps at least a third of the width: the projection shows at most twice its span. */
const PROJECTION_SPANS = 2;

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** How a chart's times are written: to the second on a chart of minutes, with the date on one of days. */
export type TimeForm = "seconds" | "minutes" | "date";

/** "21:05:09", "21:05" or "Dec 5 21:05"; UTC. */
export function chartTime(sec: number, form: TimeForm): string {
  const d = new Date(sec * 1000);
  const two = (n: number) => String(n).padStart(2, "0");
  const hm = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
  if (form === "seconds") return `${hm}:${two(d.getUTCSeconds())}`;
  return form === "date" ? `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()} ${hm}` : hm;
}

function timeForm(from: number, to: number): TimeForm {
  if (to - from > 86_400 || new Date(from * 1000).getUTCDate() !== new Date(to * 1000).getUTCDate()) return "date";
  return to - from < 600 ? "seconds" : "minutes";
}

const isoUtcMinute = (sec: number) => formatUtcMinute(sec * 1000);

const fin = (v: number | null): v is number => v !== null && Number.isFinite(v);

/** `v` rounded to three significant digits by `round` (Math.ceil: up, Math.floor: down); 0 stays 0. */
function roundOut(v: number, round: (x: number) => number): number {
  if (v === 0 || !Number.isFinite(v)) return v;
  const unit = 10 ** (Math.floor(Math.log10(Math.abs(v))) - 2);
  return Number((round(v / unit) * unit).toPrecision(3));
}
const f1 = (v: number) => v.toFixed(1);

/**
 * The chart of `history` (oldest first). `id` makes the title and description ids unique on the page.
 */
export function balanceChart(history: readonly BalancePoint[], currency: string, projection: ChartProjection = { runwaySeconds: null, lowerBoundSeconds: null }, id = "c"): string {
  const W = CHART_WIDTH;
  const H = CHART_HEIGHT;
  const open = (label: string) =>
    `<svg class="chart" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${id}-t ${id}-d">` +
    `<title id="${id}-t">Balance history</title><desc id="${id}-d">${escapeHtml(label)}</desc>`;
  if (history.length < 2) {
    const text = history.length === 0 ? "no balance yet" : "collecting history…";
    return `${open(history.length === 0 ? "No balance has been read yet." : "Only one balance so far; the chart starts with the second.")}<text x="${W / 2}" y="${H / 2 + 4}" text-anchor="middle" class="muted">${text}</text></svg>`;
  }
  const first = history[0]!;
  const last = history[history.length - 1]!;
  const t0 = first.t;
  const t1 = last.t;
  const span = Math.max(1, t1 - t0);
  const b1 = last.balance;

  // The projection: a straight line from the last balance to zero at the predicted time.
  const runway = projection.runwaySeconds;
  const projected = b1 > 0 && fin(runway) && runway > 0;
  const tEnd = projected ? t1 + runway : null;
  const low = projected && fin(projection.lowerBoundSeconds) && projection.lowerBoundSeconds > 0 ? Math.min(projection.lowerBoundSeconds, runway) : null;
  const tLow = low === null || low >= runway! ? null : t1 + low;
  const tMax = tEnd === null ? t1 : Math.min(tEnd, t1 + PROJECTION_SPANS * span);

  let lo = Math.min(...history.map((p) => p.balance));
  let hi = Math.max(...history.map((p) => p.balance));
  if (projected || lo <= 0) lo = Math.min(0, lo);
  if (hi === lo) {
    // a flat line: drawn at the top of a scale from zero
    lo = Math.min(0, lo);
    if (hi === lo) hi = lo + 1;
  }
  // the scale's ends to three significant digits (80.00 USD, not 79.999901 USD), outside the data
  hi = roundOut(hi, Math.ceil);
  lo = roundOut(lo, Math.floor);
  const hiLabel = formatMoney(hi, currency);
  const loLabel = formatMoney(lo, currency);
  const left = Math.max(hiLabel.length, loLabel.length) * CHAR_PX + 6;
  const plotW = W - left - RIGHT;
  const plotH = H - TOP - BOTTOM;
  const x = (t: number) => left + ((t - t0) / Math.max(1e-9, tMax - t0)) * plotW;
  const y = (b: number) => TOP + (1 - (b - lo) / (hi - lo)) * plotH;
  const base = y(lo);

  const pts = history.map((p) => `${f1(x(p.t))},${f1(y(p.balance))}`);
  const area = `M${pts[0]} L${pts.slice(1).join(" L")} L${f1(x(t1))},${f1(base)} L${f1(x(t0))},${f1(base)} Z`;

  const parts: string[] = [];
  parts.push(`<line x1="${left}" y1="${f1(TOP)}" x2="${f1(left + plotW)}" y2="${f1(TOP)}" class="grid"/>`);
  parts.push(`<line x1="${left}" y1="${f1(base)}" x2="${f1(left + plotW)}" y2="${f1(base)}" class="axis"/>`);
  parts.push(`<text x="${left - 4}" y="${f1(TOP + 4)}" text-anchor="end" class="label">${escapeHtml(hiLabel)}</text>`);
  parts.push(`<text x="${left - 4}" y="${f1(base + 3)}" text-anchor="end" class="label">${escapeHtml(loLabel)}</text>`);
  parts.push(`<path d="${area}" class="area"/>`);
  parts.push(`<polyline points="${pts.join(" ")}" class="line"/>`);

  let desc = `Balance from ${formatMoney(first.balance, currency)} at ${isoUtcMinute(t0)} to ${formatMoney(b1, currency)} at ${isoUtcMinute(t1)}.`;
  if (b1 <= 0) desc += " The balance is exhausted.";
  const end = (tZero: number, cls: string) => {
    // clipped at the chart's right edge: the balance the line has come down to there
    const tx = Math.min(tZero, tMax);
    const bx = b1 * (1 - (tx - t1) / (tZero - t1));
    return `<line x1="${f1(x(t1))}" y1="${f1(y(b1))}" x2="${f1(x(tx))}" y2="${f1(y(bx))}" class="${cls}"/>`;
  };
  if (tEnd !== null) {
    if (tLow !== null) parts.push(end(tLow, "worst"));
    parts.push(end(tEnd, "projection"));
    desc += ` Projected to reach zero around ${isoUtcMinute(tEnd)}`;
    desc += tLow !== null ? `, at worst (1 in 10) around ${isoUtcMinute(tLow)}.` : ".";
    if (tEnd <= tMax) parts.push(`<circle cx="${f1(x(tEnd))}" cy="${f1(base)}" r="2.5" class="zero"/>`);
  } else if (b1 > 0) {
    desc += " No projection: the runway is not known yet.";
  }

  // Time labels: the first point, the last check, and the chart's end when it is projected.
  const form = timeForm(t0, tMax);
  const ty = H - 5;
  const ticks: { at: number; text: string; anchor: string }[] = [{ at: t0, text: chartTime(t0, form), anchor: "start" }];
  if (tMax > t1) {
    ticks.push({ at: t1, text: "last check", anchor: "middle" });
    ticks.push({ at: tMax, text: `${chartTime(tMax, form)} UTC`, anchor: "end" });
  } else {
    ticks.push({ at: t1, text: `${chartTime(t1, form)} UTC`, anchor: "end" });
  }
  let lastRight = -Infinity;
  for (const [i, tick] of ticks.entries()) {
    const px = x(tick.at);
    const w = tick.text.length * CHAR_PX;
    const l = tick.anchor === "start" ? px : tick.anchor === "end" ? px - w : px - w / 2;
    const nextLeft = i + 1 < ticks.length ? x(ticks[i + 1]!.at) - ticks[i + 1]!.text.length * CHAR_PX : Infinity;
    // the middle label gives way when it would touch its neighbours
    if (tick.anchor === "middle" && (l < lastRight + 4 || l + w > nextLeft - 4)) continue;
    const ax = tick.anchor === "start" ? Math.max(left, px) : px;
    parts.push(`<line x1="${f1(px)}" y1="${f1(base)}" x2="${f1(px)}" y2="${f1(base + 3)}" class="axis"/>`);
    parts.push(`<text x="${f1(ax)}" y="${ty}" text-anchor="${tick.anchor}" class="label">${escapeHtml(tick.text)}</text>`);
    lastRight = l + w;
  }
  if (tEnd !== null && tEnd > tMax) {
    // beyond the chart: when the line reaches zero, written at its end, above the line where there
    // is room (it falls to the right, so the label's left end is the tight one), else below it
    const text = `zero ${chartTime(tEnd, "date")} →`;
    const x1 = x(t1);
    const y1 = y(b1);
    const right = left + plotW;
    const endY = y(b1 * (1 - (tMax - t1) / (tEnd - t1)));
    const labelLeft = Math.max(x1, right - text.length * CHAR_PX);
    const lineAtLabel = y1 + ((endY - y1) * (labelLeft - x1)) / Math.max(1e-9, right - x1);
    const ly = lineAtLabel - 4 - 8 >= 0 ? lineAtLabel - 4 : endY + 13;
    parts.push(`<text x="${f1(right)}" y="${f1(ly)}" text-anchor="end" class="label">${escapeHtml(text)}</text>`);
  }
  return `${open(desc)}${parts.join("")}</svg>`;
}
