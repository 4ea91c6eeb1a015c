import type { CommandModule } from "yargs";
import { readKeyFile } from "../../core/config.ts";
import { parseCount, parseNonNegativeNumber, parsePort, parseWholeNumber } from "../../core/count.ts";
import { parseCurrency } from "../../core/currency.ts";
import { safeInterval } from "../../core/delays.ts";
import { parseAmount } from "../../core/pricing.ts";
import { DEMO_KEY } from "../../simulator/demo.ts";
import { FLAVOURS, type Flavour } from "../../simulator/protocol.ts";
import { SCENARIO_NAMES, type ScenarioName, scenario } from "../../simulator/spend.ts";
import { guarded, printJson } from "../shared.ts";

export const DEFAULT_SIMULATOR_PORT = 9801;

// Numbers are taken as text (nargs 1: `--seed -3` is a value, not a flag) and checked by core's validators.
interface SimulateArgs {
  port: string;
  host: string;
  scenario: string;
  balance?: string;
  "key-file"?: string;
  flavour: string;
  currency?: string;
  decimals?: string;
  "time-scale"?: string;
  seed: string;
  "status-interval": string;
  json: boolean;
}

export const simulateCommand: CommandModule<object, SimulateArgs> = {
  command: "simulate",
  describe: "Run the provider simulator on loopback (every provider's balance protocol, a spending account, faults on demand)",
  builder: (y) =>
    y
      .option("port", { type: "string", nargs: 1, default: String(DEFAULT_SIMULATOR_PORT), describe: "Port to listen on (0: any free port)" })
      .option("host", { type: "string", default: "127.0.0.1", describe: "Loopback address to listen on (127.0.0.1, ::1 or localhost only)" })
      .option("scenario", {
        type: "string",
        default: "demo",
        choices: [...SCENARIO_NAMES],
        describe: "How the balance is spent over time (see below)",
      })
      .option("balance", { type: "string", nargs: 1, describe: "Starting balance (default: the scenario's, 25)" })
      .option("key-file", {
        type: "string",
        describe: "Accept the key in this file instead of the fixed demo key (the key is never printed)",
      })
      .option("flavour", {
        type: "string",
        default: "captchaai",
        choices: [...FLAVOURS],
        describe: "Which provider to imitate where they differ (error codes, statuses, extra fields)",
      })
      .option("currency", { type: "string", describe: "Currency shown in the state (default: the flavour's; RuCaptcha: RUB)" })
      .option("decimals", { type: "string", nargs: 1, describe: "Digits after the decimal point in balance answers (0–8; default: the flavour's, mostly 4)" })
      .option("time-scale", {
        type: "string",
        nargs: 1,
        describe: "Simulated seconds per real second (default: the scenario's; demo 60, others 1; 0 freezes the balance)",
      })
      .option("seed", { type: "string", nargs: 1, default: "1", describe: "Seed of the spend process (same seed, same balances)" })
      .option("status-interval", { type: "string", nargs: 1, default: "30", describe: "Print balance and request counts every N seconds on stderr (0: never)" })
      .option("json", { type: "boolean", default: false, describe: 'Print one JSON line {"url","port","flavour","scenario","timeScale","key"} instead of the help text' })
      .example("$0 simulate", "demo account on http://127.0.0.1:9801")
      .example("$0 simulate --scenario leak --flavour capsolver --time-scale 600 --port 0", "")
      .epilog(
        [
          "Scenarios (rates in the account's currency per simulated hour):",
          ...SCENARIO_NAMES.map((n) => `  ${n.padEnd(8)} ${scenario(n).description}`),
          "",
          "Without --key-file the key is the fixed demo key (not a secret):",
          `  ${DEMO_KEY}`,
          "Give the URL to the CLI or the exporter with --api-url. Endpoints:",
          "  GET|POST /res.php?action=getbalance   CaptchaAI, 2Captcha, RuCaptcha, AZcaptcha",
          "  POST /getBalance {clientKey}          Anti-Captcha, CapSolver, CapMonster, EzCaptcha, 2Captcha v2",
          "  GET /status/?key=K                    NopeCHA",
          "  POST /user authtoken=K                DeathByCaptcha",
          "  solve calls (in.php, createTask...)   every flavour (docs/simulator.md, Solve calls)",
          "Control API (JSON) on the same port:",
          "  GET /_sim/state                       balances, faults, request counts (never keys)",
          "  POST /_sim/balance                    {balance} sets, {deposit} adds",
          "  POST /_sim/fault                      {fault, times?, protocol?}; DELETE /_sim/faults",
          "  GET|DELETE /_sim/counts               request counts per protocol",
          "  POST /_sim/spend | /_sim/time         {spend} | {advanceSeconds, timeScale}",
          `  e.g. curl -X POST 127.0.0.1:9801/_sim/fault -d '{"fault":"ERROR_ZERO_BALANCE","times":1}'`,
          "Every fault is listed in docs/simulator.md. Listens on loopback only; never prints keys.",
          "",
          "Runs in the foreground until Ctrl-C or SIGTERM. Exit codes: 0 stopped, 2 bad options or busy port.",
        ].join("\n"),
      ) as never,
  handler: (argv) =>
    guarded(async () => {
      const port = parsePort(argv.port, "--port");
      const balance = argv.balance === undefined ? undefined : parseAmount(argv.balance, "--balance");
      const decimals = argv.decimals === undefined ? undefined : parseCount(argv.decimals, "--decimals", 8, "decimal places");
      const timeScaleFlag =
        argv["time-scale"] === undefined
          ? undefined
          : parseNonNegativeNumber(argv["time-scale"], "--time-scale", 1e9, "expected simulated seconds per real second, a number from 0 (frozen) to 1e9");
      const seed = parseWholeNumber(argv.seed, "--seed", -(2 ** 31), 2 ** 31, "expected a whole number (the same seed gives the same balances)");
      const statusInterval = parseNonNegativeNumber(argv["status-interval"], "--status-interval", 86400, "expected seconds from 0 (never) to 86400");
      const currency = argv.currency === undefined ? undefined : parseCurrency(argv.currency, "--currency");
      const flavour = argv.flavour as Flavour;
      const sc = scenario(argv.scenario as ScenarioName, seed);
      const key = argv["key-file"] ? await readKeyFile(argv["key-file"], "--key-file") : DEMO_KEY;
      const timeScale = timeScaleFlag ?? sc.timeScale;

      // loaded when used, so that the other commands start without the simulator's server
      const { startSimulator } = await import("../../simulator/server.ts");
      const sim = await startSimulator({
        port,
        host: argv.host,
        flavour,
        timeScale,
        seed,
        accounts: [
          {
            id: "main",
            key,
            balance: balance ?? sc.balance,
            ...(decimals !== undefined ? { decimals } : {}),
            spend: sc.name,
            ...(currency ? { currency } : {}),
          },
        ],
      });

      const shownKey = argv["key-file"] ? null : DEMO_KEY;
      if (argv.json) {
        printJson({ url: sim.url, port: sim.port, flavour, scenario: sc.name, timeScale, key: shownKey });
      } else {
        const keyRef = argv["key-file"] ? `--api-key-file ${argv["key-file"]}` : "";
        const env = argv["key-file"] ? "" : `CAPTCHA_API_KEY=${DEMO_KEY} `;
        process.stdout.write(
          [
            `captcha-runway simulator: ${flavour} flavour, scenario ${sc.name} (${sc.description})`,
            `  listening on ${sim.url} (loopback only), time scale ${timeScale}x`,
            argv["key-file"]
              ? `  key: the one in ${argv["key-file"]} (not shown)`
              : `  key: ${DEMO_KEY} (the fixed demo key, not a secret)`,
            "",
            "Point the CLI or the exporter at it:",
            `  ${env}captcha-runway balance --provider ${flavour} --api-url ${sim.url} ${keyRef}`.trimEnd(),
            `  ${env}captcha-runway exporter --provider ${flavour} --api-url ${sim.url} ${keyRef}`.trimEnd(),
            `Control API: ${sim.url}/_sim/state (see --help). Press Ctrl-C to stop.`,
            "",
          ].join("\n"),
        );
      }

      const status = () => {
        const st = sim.state();
        const a = st.accounts[0]!;
        process.stderr.write(
          `simulator: balance ${a.balance.toFixed(a.decimals)} ${a.currency}, spent ${a.spentTotal.toFixed(a.decimals)}, ` +
            `requests ${st.counts.total} (legacy ${st.counts.legacy}, client-key ${st.counts["client-key"]})\n`,
        );
      };
      const interval = statusInterval > 0 ? safeInterval(status, statusInterval * 1000) : null;

      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          resolve();
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
      if (interval) clearInterval(interval);
      await sim.close();
      const c = sim.counts();
      process.stderr.write(`simulator: stopped after ${c.total} requests (legacy ${c.legacy}, client-key ${c["client-key"]})\n`);
      process.exitCode = 0;
    }),
};
