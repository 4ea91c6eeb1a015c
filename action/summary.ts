/**
 * The job summary (and the tracking issue's body): a Markdown table of the balance, the batch line by
 * line, margin, reserve, required, shortfall and the verdict. Pure; never sees the API key.
 */
import { formatAmount, formatMoney } from "../core/money.ts";
import { getDefinition } from "../core/providers/catalog.ts";
import { formatCount, judge, type Outcome, type VerdictContext } from "./outcome.ts";

function providerTitle(provider: VerdictContext["provider"]): string {
  return getDefinition(provider).title;
}

const ICONS = { pass: "✅", warn: "⚠️", fail: "❌" } as const;

function verdictText(outcome: Outcome, ctx: VerdictContext): string {
  const v = judge(outcome, ctx);
  const icon = v.status === "unreadable" && v.effect === "pass" ? "➖" : ICONS[v.effect];
  const label =
    v.status === "covered"
      ? "covered"
      : v.status === "short"
        ? v.effect === "fail"
          ? "short: job failed"
          : "short: warning only (mode: warn)"
        : v.effect === "fail"
          ? "not checked: job failed"
          : v.effect === "warn"
            ? "not checked: warning only (on-api-error: warn)"
            : "not checked: passed (on-api-error: pass)";
  return `${icon} ${label}`;
}

/** The table and headline, without a top-level title (callers add their own). */
export function renderReport(outcome: Outcome, ctx: VerdictContext): string {
  const v = judge(outcome, ctx);
  const rows: Array<[string, string]> = [["Provider", `\`${ctx.provider}\``]];
  if (outcome.kind === "checked") {
    const q = outcome.quote;
    const cur = q.currency;
    rows.push(["Balance", formatMoney(q.balance, cur)]);
    for (const l of q.lines) {
      rows.push([`\`${l.type}\``, `${formatCount(l.count)} × ${formatAmount(l.unitPrice, cur)} = ${formatMoney(l.cost, cur)}`]);
    }
    rows.push([`Safety margin (${q.marginPercent}%)`, formatMoney(q.marginAmount, cur)]);
    rows.push(["Reserve", formatMoney(q.reserve, cur)]);
    rows.push(["**Required**", `**${formatMoney(q.required, cur)}**`]);
    rows.push(["Shortfall", formatMoney(q.shortfall, cur)]);
    const remaining = q.lines.map((l) => `\`${l.type}\` ${formatCount(q.solvesRemaining[l.type] ?? 0)}`).join(", ");
    rows.push(["Solves the balance pays for (each type alone, above the reserve)", remaining]);
    const illustrative = outcome.illustrative ?? [];
    if (illustrative.length > 0) {
      const types = illustrative.map((t) => `\`${t}\``).join(", ");
      const one = illustrative.length === 1;
      rows.push([
        "Note",
        `the price${one ? "" : "s"} of ${types} ${one ? "is a" : "are"} built-in illustrative figure${one ? "" : "s"} (${providerTitle(ctx.provider)} publishes none); declare yours in the \`prices\` input for a verdict you can rely on`,
      ]);
    }
  } else {
    rows.push(["Balance", "unknown"]);
    rows.push(["Reason", `\`${outcome.reason}\``]);
    rows.push(["Attempts", String(outcome.attempts)]);
  }
  rows.push(["Verdict", verdictText(outcome, ctx)]);
  const table = ["| | |", "|---|---:|", ...rows.map(([k, val]) => `| ${k} | ${val.replace(/\|/g, "\\|")} |`)].join("\n");
  return `${v.message}\n\n${table}\n`;
}

/** The job summary: a title, the report. */
export function renderSummary(outcome: Outcome, ctx: VerdictContext): string {
  return `## CAPTCHA balance gate\n\n${renderReport(outcome, ctx)}`;
}
