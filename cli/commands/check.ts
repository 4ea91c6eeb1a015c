import type { CommandModule } from "yargs";
import { accountProvider } from "../../core/config.ts";
import { formatAmount, formatMoney } from "../../core/money.ts";
import type { BatchQuote } from "../../core/pricing.ts";
import { effectivePrices, illustrativePriceTypes, MAX_MARGIN_PERCENT, parseAmount, parseBatch, parseMargin, parsePrices } from "../../core/pricing.ts";
import { getDefinition, isProviderName } from "../../core/providers/catalog.ts";
import { describeFailure } from "../reason-hints.ts";
import { accountFromArgs, fail, guarded, type ProviderArgs, parseRetries, parseTimeout, printJson, reportRetry, withProviderOptions } from "../shared.ts";

interface CheckArgs extends ProviderArgs {
  batch: string[];
  price?: string[];
  margin: string;
  reserve: string;
}

/** The text report: the quote line by line, solves remaining, and which prices are only illustrative. */
export function formatQuote(q: BatchQuote, illustrative: readonly string[] = [], provider = ""): string {
  const money = (n: number) => formatMoney(n, q.currency);
  const rows: Array<[string, string]> = [["balance", money(q.balance)]];
  for (const l of q.lines) rows.push([`${l.type}`, `${l.count} × ${formatAmount(l.unitPrice, q.currency)} = ${money(l.cost)}`]);
  rows.push([`margin ${q.marginPercent}%`, money(q.marginAmount)]);
  rows.push(["reserve", money(q.reserve)]);
  rows.push(["required", money(q.required)]);
  rows.push(["shortfall", money(q.shortfall)]);
  rows.push(["solves remaining", q.lines.map((l) => `${l.type} ${q.solvesRemaining[l.type] ?? 0}`).join(", ")]);
  const width = Math.max(...rows.map((r) => r[0].length));
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  lines.push(`${" ".repeat(width)}  (what the balance above the reserve pays for, each type alone)`);
  if (illustrative.length > 0) {
    const one = illustrative.length === 1;
    lines.push(
      "",
      one
        ? `note: the price of ${illustrative[0]} is a built-in illustrative figure (${provider} publishes no price per solve for it);`
        : `note: the prices of ${illustrative.join(", ")} are built-in illustrative figures (${provider} publishes no price per solve for them);`,
      `      declare your own with --price ${illustrative.map((t) => `${t}=AMOUNT`).join(",")} for a verdict you can rely on`,
    );
  }
  lines.push("", q.covered ? "covered: the balance pays for this batch" : `NOT covered: ${money(q.shortfall)} short`);
  return `${lines.join("\n")}\n`;
}

function providerTitle(provider: string): string {
  return isProviderName(provider) ? getDefinition(provider).title : provider;
}

export const checkCommand: CommandModule<object, CheckArgs> = {
  command: "check",
  describe: "Budget gate: can the balance pay for a batch? (exit 0 yes, 1 no, 2 could not check)",
  builder: (y) =>
    withProviderOptions(y)
      .option("batch", {
        type: "string",
        array: true,
        demandOption: "Declare the batch: --batch recaptcha_v2=1000,image=500",
        describe: "The batch: TYPE=COUNT[,TYPE=COUNT…] (repeatable)",
      })
      .option("price", {
        type: "string",
        array: true,
        describe: "Price per solve, overriding the built-in table: TYPE=AMOUNT[,…] in the account's currency (repeatable)",
      })
      .option("margin", { type: "string", nargs: 1, default: "10%", describe: `Safety margin added to the batch's cost: a percentage from 0% to ${MAX_MARGIN_PERCENT}%` })
      .option("reserve", { type: "string", nargs: 1, default: "0", describe: "Amount that must remain after the batch, in the account's currency (0 or more)" })
      .example("CAPTCHA_API_KEY=… $0 check --batch recaptcha_v2=5000 --margin 15% --reserve 2", "")
      .epilog(
        [
          "required = Σ count × price × (1 + margin) + reserve; covered when balance ≥ required.",
          "The text report adds the solves the balance pays for per type, and says which prices are",
          "built-in illustrative figures (where the provider publishes none; all of CaptchaAI's);",
          "declare real ones with --price. With --json prints balance, currency, required, shortfall,",
          "covered, lines, solves_remaining per type and illustrative_prices (the types priced so);",
          'on failure {"provider","reason","message"}.',
          "",
          "Exit codes: 0 covered, 1 not covered, 2 could not check (balance unreadable or bad arguments).",
        ].join("\n"),
      ) as never,
  handler: (argv) =>
    guarded(async () => {
      const batch = parseBatch(argv.batch.join(","), "--batch");
      const priceOverrides = argv.price && argv.price.length > 0 ? parsePrices(argv.price.join(","), "--price") : {};
      const marginBp = parseMargin(argv.margin, "--margin");
      const reserve = parseAmount(argv.reserve, "--reserve");
      const retries = parseRetries(argv.retries);
      const deadlineMs = parseTimeout(argv.timeout);
      const account = await accountFromArgs(argv);
      const overrides = { ...account.prices, ...priceOverrides };
      // loaded when used, so that the other commands start without the HTTP stack
      const { runBudgetCheck } = await import("../../core/check.ts");
      const result = await runBudgetCheck({
        provider: accountProvider(account),
        apiKey: account.apiKey,
        ...(account.apiUrl ? { apiUrl: account.apiUrl } : {}),
        ...(account.network ? { network: account.network } : {}),
        currency: account.currency,
        batch,
        // a file's account brings its own prices; --price wins over them
        priceOverrides: overrides,
        marginBp,
        reserve,
        retries,
        deadlineMs,
        onRetry: reportRetry,
        declarePrice: (type) => `--price ${type}=AMOUNT, per solve in ${account.currency}`,
      });
      if (result.kind === "failed") {
        if (argv.json) printJson({ provider: account.provider, reason: result.failure.reason, message: result.failure.message });
        fail(
          `could not check the budget: the balance from ${account.provider} could not be read: ${describeFailure(result.failure.reason, result.failure.message)}`,
          2,
        );
        return;
      }
      const q = result.quote;
      const illustrative = illustrativePriceTypes(account.provider, effectivePrices(account.provider, q.currency, overrides), priceOverrides, q.lines.map((l) => l.type));
      if (argv.json) {
        printJson({
          provider: account.provider,
          balance: q.balance,
          currency: q.currency,
          required: q.required,
          shortfall: q.shortfall,
          covered: q.covered,
          margin_percent: q.marginPercent,
          reserve: q.reserve,
          lines: q.lines.map((l) => ({ type: l.type, count: l.count, unit_price: l.unitPrice, cost: l.cost })),
          solves_remaining: q.solvesRemaining,
          illustrative_prices: illustrative,
        });
      } else {
        process.stdout.write(formatQuote(q, illustrative, providerTitle(account.provider)));
      }
      process.exitCode = q.covered ? 0 : 1;
    }),
};
