/**
 * The project's one redactor: removes secrets (API keys, proxy credentials, tokens) from text
 * before it leaves the process. Providers put the key in the query string (legacy protocol) or the JSON
 * body, echo it in error codes and messages, and HTTP client errors may quote either, so a secret is
 * found in whatever form it takes there:
 *
 * - in any letter case (a provider that upper-cases its error codes upper-cases the key too);
 * - URL-encoded (`%xx` with upper- or lower-case hex, `%25xx` twice encoded, `+` for a space),
 *   JSON/JS-escaped (`\uXXXX`, `\xXX`, `\"`, `\/`…) and as HTML character references (`&#x41;`),
 *   and any mix of these within one occurrence;
 * - in part: any run of at least FRAGMENT_LENGTH consecutive characters of the secret is removed too,
 *   so a secret cut at a message boundary (by the provider, a body cap, anyone) leaves no long piece;
 * - base64-encoded, standard or URL-safe, at any alignment (an `Authorization: Basic` value, a token
 *   inside an encoded blob).
 *
 * Text is redacted before anything else is done to it (upper-casing, cutting, quoting): see
 * core/providers/parse.ts, which applies this to everything a provider sends.
 */

export const REDACTED = "[REDACTED]";

/** Runs of this many characters of a secret (or more) are redacted wherever they appear. */
export const FRAGMENT_LENGTH = 8;

/** A run shorter than the whole secret counts only with this many different characters. */
const MIN_FRAGMENT_DISTINCT = 4;

/** Secrets shorter than this are not registered: they would redact ordinary words. Real keys are long. */
export const MIN_SECRET_LENGTH = 4;

interface Compiled {
  /** The secret, case-folded (see fold()). */
  readonly folded: string;
  /** Length of the runs that are redacted: FRAGMENT_LENGTH, or the whole secret when it is shorter. */
  readonly gram: number;
  /** Every run of `gram` characters of the folded secret → where it starts in the secret. */
  readonly grams: ReadonlyMap<string, readonly number[]>;
  /** Base64 renderings of the secret that do not depend on its neighbours (case-sensitive). */
  readonly base64: readonly string[];
}

/** One code unit, case-folded; a space and `+` are the same (form encoding). */
function foldUnit(c: string): string {
  if (c === " ") return "+";
  const l = c.toLowerCase();
  return l.length === 1 ? l : c;
}

/** foldUnit() on a code unit. */
function foldCode(code: number): number {
  if (code < 0x80) return code === 0x20 ? 0x2b : code >= 0x41 && code <= 0x5a ? code + 0x20 : code;
  return foldUnit(String.fromCharCode(code)).charCodeAt(0);
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

function fold(s: string): string {
  if (isAscii(s)) return s.toLowerCase().replace(/ /g, "+");
  let out = "";
  for (let i = 0; i < s.length; i++) out += foldUnit(s[i]!);
  return out;
}

/** The parts of base64(prefix + secret) that only the secret determines, for the three alignments. */
function base64Forms(secret: string): string[] {
  const bytes = Buffer.from(secret, "utf8");
  const forms: string[] = [];
  for (let align = 0; align < 3; align++) {
    const encoded = Buffer.concat([Buffer.alloc(align), bytes]).toString("base64").replace(/=+$/, "");
    const skip = [0, 2, 3][align]!;
    const end = (align + bytes.length) % 3 === 0 ? encoded.length : encoded.length - 1;
    const core = encoded.slice(skip, end);
    if (core.length >= FRAGMENT_LENGTH) forms.push(core, core.replace(/\+/g, "-").replace(/\//g, "_"));
  }
  return [...new Set(forms)];
}

function compile(secret: string): Compiled {
  const folded = fold(secret);
  const gram = Math.min(FRAGMENT_LENGTH, folded.length);
  const grams = new Map<string, number[]>();
  for (let j = 0; j + gram <= folded.length; j++) {
    const g = folded.slice(j, j + gram);
    const at = grams.get(g);
    if (at) at.push(j);
    else grams.set(g, [j]);
  }
  return { folded, gram, grams, base64: base64Forms(secret) };
}

const HEX = /^[0-9a-fA-F]+$/;

function hexAt(t: string, i: number, n: number): number | undefined {
  const s = t.slice(i, i + n);
  return s.length === n && HEX.test(s) ? Number.parseInt(s, 16) : undefined;
}

const SHORT_ESCAPES: Readonly<Record<string, string>> = { b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "0": "\0" };

/** Which escapes a decoding pass undoes: percent-encoding none, once or twice; backslash and HTML escapes. */
interface Decoding {
  readonly percent: 0 | 1 | 2;
  readonly escapes: boolean;
}

/**
 * The passes made over a text. One pass that undoes everything finds an occurrence whatever mix of
 * escapes it uses; the partial passes find secrets that themselves contain `%41` or `\n`-like text.
 */
const DECODINGS: readonly Decoding[] = [
  { percent: 2, escapes: true },
  { percent: 0, escapes: true },
  { percent: 1, escapes: false },
];

/** One `%xx` byte (or twice-encoded `%25xx`) at i: [byte, length]. */
function percentByte(t: string, i: number, levels: 1 | 2): [number, number] | undefined {
  if (t[i] !== "%") return undefined;
  const once = hexAt(t, i + 1, 2);
  if (once === 0x25 && levels === 2) {
    const twice = hexAt(t, i + 3, 2);
    if (twice !== undefined) return [twice, 5];
  }
  return once === undefined ? undefined : [once, 3];
}

/**
 * The text with escapes decoded and case folded, as parallel arrays: decoded code units and, for
 * each, the span of the original text it came from.
 */
function decode(t: string, how: Decoding): { text: string; from: Int32Array; to: Int32Array } {
  // a decoded text is never longer than its source (an escape is longer than what it stands for)
  const units = new Uint16Array(t.length);
  const from = new Int32Array(t.length);
  const to = new Int32Array(t.length);
  let n = 0;
  const push = (s: string, a: number, b: number) => {
    for (let k = 0; k < s.length; k++) {
      units[n] = foldCode(s.charCodeAt(k));
      from[n] = a;
      to[n] = b;
      n++;
    }
  };
  let i = 0;
  while (i < t.length) {
    const c = t[i]!;
    if (c === "%" && how.percent > 0) {
      const levels = how.percent as 1 | 2;
      const first = percentByte(t, i, levels);
      if (first) {
        const [b0, len0] = first;
        // a UTF-8 sequence of percent-encoded bytes decodes to one character
        const need = b0 >= 0xf0 ? 3 : b0 >= 0xe0 ? 2 : b0 >= 0xc0 ? 1 : 0;
        const bytes = [b0];
        let j = i + len0;
        for (let k = 0; k < need; k++) {
          const next = percentByte(t, j, levels);
          if (!next || (next[0] & 0xc0) !== 0x80) break;
          bytes.push(next[0]);
          j += next[1];
        }
        if (b0 < 0x80 || bytes.length !== need + 1) {
          push(String.fromCharCode(b0), i, i + len0);
          i += len0;
        } else {
          push(Buffer.from(bytes).toString("utf8"), i, j);
          i = j;
        }
        continue;
      }
    } else if (c === "\\" && i + 1 < t.length && how.escapes) {
      const e = t[i + 1]!;
      if (e === "u") {
        const v = hexAt(t, i + 2, 4);
        if (v !== undefined) {
          push(String.fromCharCode(v), i, i + 6);
          i += 6;
          continue;
        }
      } else if (e === "x") {
        const v = hexAt(t, i + 2, 2);
        if (v !== undefined) {
          push(String.fromCharCode(v), i, i + 4);
          i += 4;
          continue;
        }
      } else {
        push(SHORT_ESCAPES[e] ?? e, i, i + 2);
        i += 2;
        continue;
      }
    } else if (c === "&" && t[i + 1] === "#" && how.escapes) {
      const m = /^&#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}));/.exec(t.slice(i, i + 12));
      const cp = m ? (m[1] !== undefined ? Number.parseInt(m[1], 16) : Number(m[2])) : -1;
      if (m && cp >= 0 && cp <= 0x10ffff) {
        push(String.fromCodePoint(cp), i, i + m[0].length);
        i += m[0].length;
        continue;
      }
    }
    units[n] = foldCode(t.charCodeAt(i));
    from[n] = i;
    to[n] = i + 1;
    n++;
    i++;
  }
  return { text: Buffer.from(units.buffer, 0, n * 2).toString("utf16le"), from: from.subarray(0, n), to: to.subarray(0, n) };
}

type Span = [number, number];

/** Where each unit of a searched text came from in the original: [start, end). */
type SourceMap = { readonly from: (k: number) => number; readonly to: (k: number) => number };

const IDENTITY: SourceMap = { from: (k) => k, to: (k) => k + 1 };

/** Every secret of a redaction, indexed by its runs, so one pass over a text serves them all. */
interface Index {
  /** By run length (FRAGMENT_LENGTH; shorter secrets have their own): run → where it occurs in which secret. */
  readonly groups: readonly {
    readonly gram: number;
    readonly grams: ReadonlyMap<string, readonly { readonly c: Compiled; readonly j: number }[]>;
    readonly firsts: ReadonlySet<string>;
  }[];
  /** Base64 forms by their first FRAGMENT_LENGTH characters (matched case-sensitively, on the text as is). */
  readonly base64: ReadonlyMap<string, readonly string[]>;
  readonly minGram: number;
}

function buildIndex(list: readonly Compiled[]): Index {
  const byGram = new Map<number, { gram: number; grams: Map<string, { c: Compiled; j: number }[]>; firsts: Set<string> }>();
  const base64 = new Map<string, string[]>();
  for (const c of list) {
    const g = byGram.get(c.gram) ?? { gram: c.gram, grams: new Map(), firsts: new Set<string>() };
    byGram.set(c.gram, g);
    for (const [run, starts] of c.grams) {
      const at = g.grams.get(run) ?? [];
      for (const j of starts) at.push({ c, j });
      g.grams.set(run, at);
      g.firsts.add(run[0]!);
    }
    for (const form of c.base64) {
      const head = form.slice(0, FRAGMENT_LENGTH);
      const at = base64.get(head) ?? [];
      if (!at.includes(form)) at.push(form);
      base64.set(head, at);
    }
  }
  const groups = [...byGram.values()];
  return { groups, base64, minGram: Math.min(Infinity, ...groups.map((g) => g.gram)) };
}

/** Spans of the original text holding runs of a secret, found in `text` (folded; `map` leads back). */
function findRuns(index: Index, text: string, map: SourceMap, out: Span[]): void {
  for (const { gram, grams, firsts } of index.groups) {
    let coveredTo = 0;
    // a run that starts inside one already found and goes on past it is found where that one ends
    for (let k = 0; k + gram <= text.length; k = Math.max(k + 1, coveredTo)) {
      if (!firsts.has(text[k]!)) continue;
      const starts = grams.get(text.slice(k, k + gram));
      if (!starts) continue;
      let end = 0;
      for (const { c, j } of starts) {
        const folded = c.folded;
        let len = gram;
        while (j + len < folded.length && k + len < text.length && text[k + len] === folded[j + len]) len++;
        if (k + len <= Math.max(end, coveredTo)) continue;
        // a part of a secret made of few characters (`00000000`) is not worth hiding, and would hide balances
        if (len < folded.length && new Set(text.slice(k, k + len)).size < MIN_FRAGMENT_DISTINCT) continue;
        end = Math.max(end, k + len);
      }
      if (end <= coveredTo) continue;
      out.push([map.from(k), map.to(end - 1)]);
      coveredTo = end;
    }
  }
}

function findBase64(index: Index, text: string, out: Span[]): void {
  if (index.base64.size === 0) return;
  for (let k = 0; k + FRAGMENT_LENGTH <= text.length; k++) {
    const forms = index.base64.get(text.slice(k, k + FRAGMENT_LENGTH));
    if (!forms) continue;
    for (const form of forms) if (text.startsWith(form, k)) out.push([k, k + form.length]);
  }
}

function redactIndexed(text: string, index: Index): string {
  if (index.groups.length === 0 || text.length < index.minGram) return text;
  const spans: Span[] = [];
  // the text as it is, then with its escapes undone (see DECODINGS)
  const plain = fold(text);
  findRuns(index, plain, IDENTITY, spans);
  if (/[%\\]|&#/.test(text)) {
    const seen = new Set([plain]);
    for (const how of DECODINGS) {
      const d = decode(text, how);
      if (seen.has(d.text)) continue;
      seen.add(d.text);
      findRuns(index, d.text, { from: (k) => d.from[k]!, to: (k) => d.to[k]! }, spans);
    }
  }
  findBase64(index, text, spans);
  if (spans.length === 0) return text;
  spans.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  let out = "";
  let pos = 0;
  for (const [a, b] of spans) {
    if (b <= pos) continue;
    if (a > pos) out += text.slice(pos, a);
    if (a >= pos) out += REDACTED;
    pos = b;
  }
  return out + text.slice(pos);
}

const cache = new Map<string, Index>();
const CACHE_MAX = 4096;

function usable(secret: string): boolean {
  return secret.length >= MIN_SECRET_LENGTH;
}

/** `text` with every form of every secret replaced by `[REDACTED]`. Secrets shorter than MIN_SECRET_LENGTH are ignored. */
export function redact(text: string, secrets: readonly string[]): string {
  const list = secrets.filter(usable);
  if (list.length === 0) return text;
  // callers pass the same one or two secrets again and again (an account's key, a token)
  const id = list.length === 1 ? list[0]! : JSON.stringify(list);
  let index = cache.get(id);
  if (!index) {
    if (cache.size >= CACHE_MAX) cache.clear();
    index = buildIndex(list.map(compile));
    cache.set(id, index);
  }
  return redactIndexed(text, index);
}

/** A redactor that holds its secrets, for long-lived users (the logger); secrets can be added later. */
export interface Redactor {
  redact(text: string): string;
  /** Registers a secret (ignored when shorter than MIN_SECRET_LENGTH or already known). */
  add(secret: string): void;
  readonly size: number;
}

export function createRedactor(secrets: readonly string[] = []): Redactor {
  const known = new Map<string, Compiled>();
  let index: Index | undefined;
  const add = (s: string) => {
    if (usable(s) && !known.has(s)) {
      known.set(s, compile(s));
      index = undefined;
    }
  };
  for (const s of secrets) add(s);
  return {
    redact(text) {
      index ??= buildIndex([...known.values()]);
      return redactIndexed(text, index);
    },
    add,
    get size() {
      return known.size;
    },
  };
}

/**
 * The literal forms of a secret to register with a masker that matches exact strings (GitHub's
 * `::add-mask::` is case-sensitive and knows no encodings): as given, upper and lower case, URL-
 * and form-encoded (upper- and lower-case hex), JSON-escaped (`\u` forms) and base64.
 */
export function secretForms(secret: string): string[] {
  if (secret === "") return [];
  if (!usable(secret)) return [secret];
  const forms = new Set<string>();
  for (const s of [secret, secret.toUpperCase(), secret.toLowerCase()]) {
    forms.add(s);
    const url = encodeURIComponent(s);
    forms.add(url);
    forms.add(url.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
    forms.add(url.replace(/%20/g, "+"));
    forms.add(JSON.stringify(s).slice(1, -1));
    const u = [...s].map((ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`).join("");
    forms.add(u);
    forms.add(u.toUpperCase().replace(/\\U/g, "\\u"));
  }
  for (const b of base64Forms(secret)) forms.add(b);
  forms.add(Buffer.from(secret, "utf8").toString("base64"));
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

/** A URL for messages: scheme, host and path only (no credentials, no query string). */
export function describeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}
