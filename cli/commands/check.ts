import type { CommandModule } from "yargs";
import { accountProvider } from "../../core/config.ts";
import { runBudgetCheck } from "../../core/check.ts";
import { formatAmount, formatMoney } from "../../core/money.ts";
import type { BatchQuote } from "../../core/pricing.ts";
import { parseAmount, parseBatch, parseMargin, parsePrices } from "../../core/pricing.ts";
import { accountFromArgs, fail, guarded, type ProviderArgs, parseRetries, parseTimeout, printJson, reportRetry, withProviderOptions } from "../shared.ts";

interface CheckArgs extends ProviderArgs {
  batch: string[];
  price?: string[];
  margin: string;
  reserve: string;
}

function formatQuote(q: BatchQuote): string {
  const money = (n: number) => formatMoney(n, q.currency);
  const rows: Array<[string, string]> = [["balance", money(q.balance)]];
  for (const l of q.lines) rows.push([`${l.type}`, `${l.count} × ${formatAmount(l.unitPrice, q.currency)} = ${money(l.cost)}`]);
  rows.push([`margin ${q.marginPercent}%`, money(q.marginAmount)]);
  rows.push(["reserve", money(q.reserve)]);
  rows.push(["required", money(q.required)]);
  rows.push(["shortfall", money(q.shortfall)]);
  const width = Math.max(...rows.map((r) => r[0].length));
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  lines.push("", q.covered ? "covered: the balance pays for this batch" : `NOT covered: ${money(q.shortfall)} short`);
  return `${lines.join("\n")}\n`;
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
      .option("margin", { type: "string", default: "10%", describe: "Safety margin added to the batch's cost" })
      .option("reserve", { type: "string", default: "0", describe: "Amount that must remain after the batch" })
      .example("CAPTCHA_API_KEY=… $0 check --batch recaptcha_v2=5000 --margin 15% --reserve 2", "")
      .epilog(
        [
          "required = Σ count × price × (1 + margin) + reserve; covered when balance ≥ required.",
          "With --json prints balance, currency, required, shortfall, covered, lines and",
          'solves_remaining per type (on failure {"provider","reason","message"}).',
          "",
          "Exit codes: 0 covered, 1 not covered, 2 could not check (balance unreadable or bad arguments).",
        ].join("\n"),
      ) as never,
  handler: (argv) =>
    guarded(async () => {
      const batch = parseBatch(argv.batch.join(","));
      const priceOverrides = argv.price && argv.price.length > 0 ? parsePrices(argv.price.join(",")) : {};
      const marginBp = parseMargin(argv.margin);
      const reserve = parseAmount(argv.reserve, "--reserve");
      const retries = parseRetries(argv.retries);
      const deadlineMs = parseTimeout(argv.timeout);
      const account = await accountFromArgs(argv);
      const result = await runBudgetCheck({
        provider: accountProvider(account),
        apiKey: account.apiKey,
        ...(account.apiUrl ? { apiUrl: account.apiUrl } : {}),
        ...(account.network ? { network: account.network } : {}),
        currency: account.currency,
        batch,
        // a file's account brings its own prices; --price wins over them
        priceOverrides: { ...account.prices, ...priceOverrides },
        marginBp,
        reserve,
        retries,
        deadlineMs,
        onRetry: reportRetry,
      });
      if (result.kind === "failed") {
        if (argv.json) printJson({ provider: account.provider, reason: result.failure.reason, message: result.failure.message });
        fail(`could not check the budget: the balance from ${account.provider} could not be read: ${result.failure.reason}: ${result.failure.message}`, 2);
        return;
      }
      const q = result.quote;
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
        });
      } else {
        process.stdout.write(formatQuote(q));
      }
      process.exitCode = q.covered ? 0 : 1;
    }),
};
