/**
 * Text from outside (a provider's error code, message or body; an API's error detail) made safe to
 * print once, where it enters: control characters (C0, DEL, C1 — ESC, BEL, …), bidirectional
 * overrides and invisible format characters are removed, whitespace runs become one space, lone
 * surrogates become U+FFFD; then secrets are redacted (core/redact.ts); then the text is cut to a
 * bound. The CLI, the log, the landing page, the action's summary and the tracking issue all show
 * this text as it is.
 *
 * The order matters: removing invisible characters can join the pieces of a secret, so redaction
 * comes after it; cutting can leave part of a secret, so it comes last.
 */
import { redact } from "./redact.ts";

/** Longest provider message kept, in characters (after redaction). */
export const MAX_MESSAGE_CHARS = 200;
/** Longest provider error code kept, in characters (real codes are under 40). */
export const MAX_CODE_CHARS = 64;

// C0 controls other than whitespace, DEL, C1; bidi embeddings, overrides and isolates, marks; zero-width
// characters, word joiner, invisible operators, BOM, interlinear annotation, soft hyphen.
const INVISIBLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\u0000-\u0008\u000e-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/g;
// the remaining whitespace (tab, newlines, vertical tab, form feed, NEL, line and paragraph separators, …)
const SPACES = /[\s\u0085]+/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Removes what a terminal, a log parser or a browser would act on rather than show. */
export function sanitise(text: string): string {
  return text.replace(LONE_SURROGATE, "\ufffd").replace(INVISIBLE, "").replace(SPACES, " ").trim();
}

/** At most `max` characters (code points, never half of a pair), with `…` when cut. */
export function bound(text: string, max: number): string {
  if (text.length <= max) return text;
  // 2 × max + 2 code units hold more than max code points
  const head = text.slice(0, 2 * max + 2);
  const points = Array.from(head);
  if (head.length === text.length && points.length <= max) return text;
  return `${points.slice(0, Math.max(0, max - 1)).join("")}…`;
}

/**
 * Text from outside, ready to print anywhere: sanitised, redacted, then bounded. Only a generous
 * head of a huge text is looked at: whatever lies beyond it would be cut anyway, and the redactor
 * removes any long piece of a secret that the head cuts through.
 */
export function untrustedText(text: string, secrets: readonly string[], max = MAX_MESSAGE_CHARS): string {
  return bound(redact(sanitise(text.slice(0, HEAD_FACTOR * max)), secrets), max);
}

const HEAD_FACTOR = 16;
