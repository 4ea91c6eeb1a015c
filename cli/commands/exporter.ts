import type { CommandModule } from "yargs";
import { PROVIDER_NAMES } from "../../core/providers/types.ts";
import {
  API_KEY_ENV,
  DEFAULT_LISTEN_ADDRESS,
  DEFAULT_STATE_FILE,
  DEFAULT_TELEMETRY_PATH,
  type RawExporterFlags,
} from "../../exporter/flags.ts";

const G_ACCOUNTS = "Accounts (choose one source):";
const G_SHARD = "Sharding (many accounts over several exporters):";
const G_WEB = "Web:";
const G_STATE = "State and logs:";

export const exporterCommand: CommandModule<object, RawExporterFlags> = {
  command: "exporter",
  describe: "Run the Prometheus exporter: balance, spend and runway of CAPTCHA-solving accounts",
  builder: (y) =>
    y
      // Prometheus-style flag names contain dots: keep them flat (`web.listen-address`), not nested objects.
      .parserConfiguration({ "dot-notation": false })
      .option("config.file", { type: "string", group: G_ACCOUNTS, describe: "YAML file listing several accounts (keys from files or env variables, never inline); provider: http-json reads any prepaid JSON API (docs/providers.md)" })
      .option("provider", { type: "string", group: G_ACCOUNTS, describe: `One account without a config file: ${PROVIDER_NAMES.join(", ")}; key from $${API_KEY_ENV}` })
      .option("api-key-file", { type: "string", group: G_ACCOUNTS, describe: `Read the key of the single account from this file instead of $${API_KEY_ENV}` })
      .option("api-url", { type: "string", group: G_ACCOUNTS, describe: "Base URL of the provider's API for the single account (proxies, tests)" })
      .option("currency", { type: "string", group: G_ACCOUNTS, describe: "Currency of the single account's balance (default: the provider's)" })
      .option("poll.interval", { type: "string", nargs: 1, group: G_ACCOUNTS, describe: "Balance check interval of the single account, e.g. 5m (default: the provider's; from its minimum to 1d)" })
      .option("proxy.url", { type: "string", group: G_ACCOUNTS, describe: "HTTP(S) proxy for provider calls, http://[user:password@]host:port, for accounts without proxy_url (default: $HTTPS_PROXY / $HTTP_PROXY, except $NO_PROXY)" })
      .option("tls.ca-file", { type: "string", group: G_ACCOUNTS, describe: "PEM file of CA certificates trusted besides Node's, for accounts without ca_file (or $NODE_EXTRA_CA_CERTS)" })
      .option("demo", { type: "boolean", group: G_ACCOUNTS, describe: "Watch a simulated account that spends fast (built-in simulator on loopback; no real provider)" })
      .option("total-shards", { type: "string", nargs: 1, group: G_SHARD, describe: "Split the accounts of --config.file between this many exporters (1 to 1000); each polls the accounts whose name hashes to its --shard (default 1: no sharding)" })
      .option("shard", { type: "string", nargs: 1, group: G_SHARD, describe: "Which shard this exporter is, from 0 to --total-shards minus 1 (default 0)" })
      .option("shard.from-pod-name", { type: "boolean", group: G_SHARD, describe: "Read --shard from the StatefulSet pod name's ordinal (name-N) in $POD_NAME, else the hostname" })
      .option("web.listen-address", { type: "string", group: G_WEB, describe: `Address to listen on, [host]:port (default ${DEFAULT_LISTEN_ADDRESS})` })
      .option("web.telemetry-path", { type: "string", group: G_WEB, describe: `Path under which to expose metrics (default ${DEFAULT_TELEMETRY_PATH})` })
      .option("web.config.file", { type: "string", group: G_WEB, describe: "exporter-toolkit web config (YAML): TLS, basic auth (bcrypt), response headers" })
      .option("state.file", { type: "string", group: G_STATE, describe: `Spend history kept across restarts (default ${DEFAULT_STATE_FILE}; none in --demo unless given; '' to disable)` })
      .option("state.write-interval", { type: "string", nargs: 1, group: G_STATE, describe: "Write the state file at most this often (at most 1h), and on shutdown (default 1m)" })
      .option("log.level", { type: "string", group: G_STATE, choices: ["debug", "info", "warn", "error"], describe: "Only log messages of this level or above (default info)" })
      .option("log.format", { type: "string", group: G_STATE, choices: ["logfmt", "json"], describe: "Log line format on stderr (default logfmt)" })
      .example(`${API_KEY_ENV}=… $0 exporter --provider anti-captcha`, "Watch one account")
      .example("$0 exporter --config.file accounts.yml --web.listen-address 127.0.0.1:9877", "Watch several accounts")
      .example("$0 exporter --config.file accounts.yml --total-shards 3 --shard.from-pod-name", "One of three StatefulSet replicas (pod captcha-runway-N polls shard N)")
      .example("$0 exporter --demo", "See it work within a minute, against the built-in simulator")
      .epilog(
        [
          "The exporter checks each account's balance in the background, on the account's own interval",
          "(with jitter, within the provider's limits: Anti-Captcha at most every 30 s;",
          "2Captcha/RuCaptcha default 5 m because balance calls count against the res.php quota). A",
          "scrape only reads cached values, so it answers in about a millisecond whatever the provider",
          "does; captcha_up and captcha_last_success_timestamp_seconds say how fresh they are. Rejected",
          "keys, bans and lack of funds wait out a cool-down before the next check.",
          "",
          "Endpoints: / (landing page), the telemetry path, /-/healthy, /-/ready (after every account's",
          "first check). Send SIGTERM or SIGINT to stop: the state file is written and the exporter",
          "exits 0. SIGHUP reloads --config.file, the key files and --web.config.file without losing",
          "state or breaking the schedule; a broken file is logged and the running configuration stays.",
          "Sharding (after kube-state-metrics): with --total-shards M, each account belongs to the shard",
          "FNV-1a-32(account name) mod M, so M exporters given the same --config.file poll every account",
          "exactly once; /, /-/ready and the state file cover only the shard's own accounts.",
          "Exit codes: 0 stopped cleanly, 1 unexpected failure, 2 bad flags or configuration, or a state",
          "file it cannot read or write.",
          "",
          "Never pass a key on the command line: use the environment, a key file, or the config file's",
          "key references.",
        ].join("\n"),
      ),
  handler: async (argv) => {
    // loaded when used, so that the other commands start without express and prom-client
    const { runExporterCommand } = await import("../../exporter/main.ts");
    process.exitCode = await runExporterCommand(argv);
  },
};
