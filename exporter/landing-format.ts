/** Text helpers of the landing page: HTML escaping and the human forms of durations, spend rates and times. */
import { formatMoney } from "../core/money.ts";


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

/** An estimated rate, to 4 significant digits (an estimate has no more), per hour or, when small, per day. */
export function formatRate(perSecond: number, currency: string): string {
  const perHour = perSecond * 3600;
  const shown = (v: number) => formatMoney(Number.isFinite(v) && v !== 0 ? Number(v.toPrecision(4)) : v, currency);
  if (perHour >= 0.01) return `${shown(perHour)}/h`;
  return `${shown(perHour * 24)}/day`;
}

/** "2026-12-02 14:05 UTC": a predicted moment, to the minute. */
export function formatUtcMinute(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
