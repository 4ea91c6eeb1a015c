/**
 * Looks for a secret in output, in every form a leak could take: any letter case, percent-encoded
 * (either hex case), JSON `\u`-escaped, base64 (at any alignment, standard or URL-safe), and any run
 * of 8 consecutive characters of it. Written independently of core/redact.ts, which it checks.
 */

const FRAGMENT = 8;

function forms(secret: string): { name: string; text: string; caseless: boolean }[] {
  const bytes = Buffer.from(secret, "utf8");
  const out = [
    { name: "as is, any case", text: secret, caseless: true },
    { name: "percent-encoded", text: [...bytes].map((b) => `%${b.toString(16).padStart(2, "0")}`).join(""), caseless: true },
    { name: "encodeURIComponent", text: encodeURIComponent(secret), caseless: true },
    { name: "JSON \\u-escaped", text: [...secret].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join(""), caseless: true },
  ];
  for (let align = 0; align < 3; align++) {
    const b64 = Buffer.concat([Buffer.alloc(align), bytes]).toString("base64").replace(/=+$/, "");
    const core = b64.slice([0, 2, 3][align], (align + bytes.length) % 3 === 0 ? undefined : -1);
    out.push({ name: `base64 (alignment ${align})`, text: core, caseless: false });
    out.push({ name: `base64url (alignment ${align})`, text: core.replace(/\+/g, "-").replace(/\//g, "_"), caseless: false });
  }
  return out;
}

/** What of `secret` shows in `text`: a list of findings, empty when nothing leaked. */
export function leaksOf(text: string, secret: string): string[] {
  const found: string[] = [];
  const lower = text.toLowerCase();
  for (const f of forms(secret)) {
    const hit = f.caseless ? lower.includes(f.text.toLowerCase()) : text.includes(f.text);
    if (hit) found.push(f.name);
  }
  for (let i = 0; i + FRAGMENT <= secret.length; i++) {
    const piece = secret.slice(i, i + FRAGMENT).toLowerCase();
    if (lower.includes(piece)) found.push(`fragment "${piece}" (at ${i})`);
  }
  return [...new Set(found)];
}

/** Characters that a terminal, a log parser or a browser acts on: C0 (but \n), DEL, C1, bidi controls. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
export const UNSAFE_CHARS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f]/;
