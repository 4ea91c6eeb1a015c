/**
 * The provider facts as the documentation shows them, rendered from the definitions: the README's
 * provider list, the provider table (docs/providers.md), the interval table (docs/exporter.md), the
 * action's `provider` input (docs/action.md) and action.yml's lists are written by
 * `npm run docs:providers` and checked against these by test/unit/provider-definitions.test.ts, so the
 * documents cannot drift from the registry.
 */
import { DEFINITIONS } from "./catalog.ts";
import type { ProtocolName, ProviderDefinition } from "./define.ts";

const PROTOCOL_CALL: Readonly<Record<ProtocolName, string>> = {
  legacy: "`GET /res.php?action=getbalance&json=1`",
  "client-key": '`POST /getBalance {"clientKey"}`',
  nopecha: "`GET /status/?key=`",
  deathbycaptcha: "`POST /user` (form `authtoken`)",
};

/** `90000` → `1.5 min`, `30000` → `30 s`, `300000` → `5 min`. */
export function formatInterval(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms > 60_000) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}

function currencyCell(d: ProviderDefinition): string {
  return d.currencyNote && d.currencyNote !== d.defaultCurrency ? `${d.defaultCurrency} (${d.currencyNote})` : d.defaultCurrency;
}

/** docs/providers.md's provider table (header included), one row per built-in provider. */
export function providerTable(): string {
  const rows = [
    "| `--provider` | service | protocol | default base URL | currency | default poll interval |",
    "|---|---|---|---|---|---|",
  ];
  for (const d of DEFINITIONS) {
    rows.push(
      `| \`${d.name}\` | ${d.title} | ${PROTOCOL_CALL[d.protocol]} | \`${d.defaultBaseUrl}\` | ${currencyCell(d)} | ${formatInterval(d.defaultPollIntervalMs)} (min ${formatInterval(d.minPollIntervalMs)}) |`,
    );
  }
  return rows.join("\n");
}

/** docs/exporter.md's interval table: providers grouped by identical limits and reason. */
export function intervalTable(): string {
  const rows = ["| provider | default interval | minimum | ban cool-down | why |", "|---|---|---|---|---|"];
  for (const d of DEFINITIONS) {
    rows.push(
      `| \`${d.name}\` | ${formatInterval(d.defaultPollIntervalMs)} | ${formatInterval(d.minPollIntervalMs)} | ${formatInterval(d.banCooldownMs)} | ${d.intervalReason} |`,
    );
  }
  return rows.join("\n");
}

/** `a, b or c`. */
export function orList(items: readonly string[]): string {
  return items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}

/** Every service's title once (a service on two protocols is one service), in registry order. */
export function serviceTitles(): string[] {
  return [...new Set(DEFINITIONS.map((d) => d.title.replace(/ \(API v2\)$/, "")))];
}

/** Words joined into lines of at most `width` characters, each prefixed with `indent`. */
export function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== "" && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(indent + line);
  return lines.join("\n");
}

/** action.yml's description (a folded scalar), naming every service. */
export function actionDescription(): string {
  return (
    `Fails the job before a batch starts when the prepaid CAPTCHA-solving balance (${orList(serviceTitles())}) ` +
    "cannot cover it; on a schedule, keeps one tracking issue open while the balance is short."
  );
}

/** action.yml's description of the `provider` input, naming every provider. */
export function actionProviderInput(): string {
  return `The provider: ${orList([...DEFINITIONS.map((d) => d.name)])}.`;
}

/** The README's list of the built-in providers' names: one sentence, wrapped at 104 columns. */
export function readmeProviderList(): string {
  const names = DEFINITIONS.map((d) => `\`${d.name}\``).join(", ");
  return wrap(
    `Providers: ${names}, and any prepaid API with a JSON balance endpoint through the generic \`http-json\` provider ([docs/providers.md](docs/providers.md)).`,
    104,
    "",
  );
}

/** docs/action.md's row of the action's `provider` input. */
export function actionDocsProviderInputRow(): string {
  return `| \`provider\` | \`captchaai\` | One of the providers above: ${orList(DEFINITIONS.map((d) => `\`${d.name}\``))}. |`;
}
