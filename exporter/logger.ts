/**
 * Structured logging to stderr: one line per event, logfmt or JSON. Every value and every line passes
 * through the project's redactor (core/redact.ts) with the registered secrets (API keys), so a key
 * that slips into a provider message or an error text never reaches the log, in any case or encoding.
 */
import { createRedactor } from "../core/redact.ts";

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ["logfmt", "json"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** Never print this value: it is replaced by `[REDACTED]` in every later line. */
  addSecret(secret: string): void;
}

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly format: LogFormat;
  /** Where lines go (default: process.stderr). Each call receives one complete line with its newline. */
  readonly write?: (line: string) => void;
  readonly now?: () => Date;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

// biome-ignore lint/suspicious/noControlCharactersInRegex: escaping control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** A logfmt value, quoted when needed; control characters escaped so that a line stays one inert line. */
function logfmtValue(value: string): string {
  CONTROL.lastIndex = 0;
  if (value !== "" && /^[^\s"=\\]+$/.test(value) && !CONTROL.test(value)) return value;
  const escaped = value
    .replace(/\\/g, "\\\\")
    .replace(/"/g, '\\"')
    .replace(/\n/g, "\\n")
    .replace(/\r/g, "\\r")
    .replace(/\t/g, "\\t")
    .replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return `"${escaped}"`;
}

export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const now = options.now ?? (() => new Date());
  const redactor = createRedactor();
  const redact = (text: string): string => redactor.redact(text);
  const emit = (level: LogLevel, msg: string, fields: LogFields = {}): void => {
    if (RANK[level] < RANK[options.level]) return;
    const entries: [string, string | number | boolean][] = [
      ["ts", now().toISOString()],
      ["level", level],
      ["msg", msg],
    ];
    for (const [k, v] of Object.entries(fields)) if (v !== undefined && v !== null) entries.push([k, v]);
    let line: string;
    if (options.format === "json") {
      line = JSON.stringify(Object.fromEntries(entries.map(([k, v]) => [k, typeof v === "string" ? redact(v) : v])));
    } else {
      line = entries.map(([k, v]) => `${k}=${logfmtValue(redact(String(v)))}`).join(" ");
    }
    write(`${redact(line)}\n`);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    addSecret: (secret: string) => redactor.add(secret),
  };
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  addSecret() {},
};
