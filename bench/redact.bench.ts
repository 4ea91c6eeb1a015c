/**
 * What the one redactor (core/redact.ts) and the edge where provider text enters
 * (core/untrusted-text.ts) cost (issue 15, items 3 and 9): a log line against the keys of 1,000
 * accounts, a provider's error message against its key, and the worst bodies a hostile provider can
 * send within the 1 MiB body cap (escapes and keys throughout).
 */
import { randomBytes } from "node:crypto";
import { createRedactor, redact } from "../core/redact.ts";
import { untrustedText } from "../core/untrusted-text.ts";

const key = () => randomBytes(16).toString("hex");

function perCall(label: string, n: number, fn: () => unknown): void {
  fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  const us = Number(process.hrtime.bigint() - t0) / 1000 / n;
  console.log(`${label.padEnd(64)} ${us < 1000 ? `${us.toFixed(1)} µs` : `${(us / 1000).toFixed(1)} ms`}`);
}

const logger = createRedactor();
for (let i = 0; i < 1000; i++) logger.add(key());
const line =
  'ts=2026-12-01T21:00:00.000Z level=warn msg="balance check failed" account=acct-123 provider=captchaai reason=upstream code=ERROR_SERVER_ERROR err="the provider answered ERROR_SERVER_ERROR: Internal error 0x5f3a2b9c"';
perCall("log line (220 chars), 1,000 registered keys", 2000, () => logger.redact(line));

const k = key();
const message = `the provider answered ERROR_KEY_DOES_NOT_EXIST: ${"The key was not found. ".repeat(6)}key=${k}`;
perCall("provider message (180 chars), its key: untrustedText", 20_000, () => untrustedText(message, [k]));

const MiB = 1 << 20;
const bodies: [string, string][] = [
  ["1 MiB of plain text, no key", "x".repeat(MiB)],
  ["1 MiB of %xx, \\uXXXX and &#NN; escapes, no key", "%41\\u0042&#67;".repeat(Math.floor(MiB / 14))],
  ["1 MiB of keys, each followed by escapes", `${k}\\u0041%41`.repeat(Math.floor(MiB / 41))],
];
for (const [label, body] of bodies) perCall(`redact: ${label}`, 3, () => redact(body, [k]));
