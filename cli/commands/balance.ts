import type { CommandModule } from "yargs";
import { accountProvider } from "../../core/config.ts";
import { formatMoney } from "../../core/money.ts";
import { describeFailure } from "../reason-hints.ts";
import { accountFromArgs, fail, guarded, type ProviderArgs, parseRetries, parseTimeout, printJson, reportRetry, withProviderOptions } from "../shared.ts";

export const balanceCommand: CommandModule<object, ProviderArgs> = {
  command: "balance",
  describe: "Print the account's balance (exit 0), or why it could not be read (exit 2)",
  builder: (y) =>
    withProviderOptions(y).epilog(
      [
        "The key comes from CAPTCHA_API_KEY or --api-key-file, never from the command line.",
        "",
        'With --json, prints {"provider","balance","currency"}; on failure {"provider","reason","message"}.',
        "Reasons: auth, no_funds, banned, rate_limited, upstream, timeout, network, malformed.",
        "",
        "Exit codes: 0 balance printed, 2 the balance could not be read or the arguments are wrong.",
      ].join("\n"),
    ),
  handler: (argv) =>
    guarded(async () => {
      const account = await accountFromArgs(argv);
      const retries = parseRetries(argv.retries);
      const deadlineMs = parseTimeout(argv.timeout);
      const provider = accountProvider(account);
      // loaded when used, so that the other commands (replay above all) start without the HTTP stack
      const { readBalance } = await import("../../core/balance.ts");
      const result = await readBalance(
        provider,
        { apiKey: account.apiKey, ...(account.apiUrl ? { apiUrl: account.apiUrl } : {}), ...(account.network ? { network: account.network } : {}) },
        {
          retries,
          deadlineMs,
          onRetry: reportRetry,
        },
      );
      if (!result.ok) {
        if (argv.json) printJson({ provider: account.provider, reason: result.reason, message: result.message });
        fail(`could not read the balance from ${account.provider}: ${describeFailure(result.reason, result.message)}`, 2);
        return;
      }
      if (argv.json) printJson({ provider: account.provider, balance: result.balance, currency: account.currency });
      else process.stdout.write(`${formatMoney(result.balance, account.currency)}\n`);
      process.exitCode = 0;
    }),
};
