/**
 * Removes secrets from text before it leaves the process. Providers put the key in the query string
 * (legacy protocol) or the JSON body, and HTTP client errors may quote either; everything that turns a
 * request's failure into text passes through here.
 */
export const REDACTED = "[REDACTED]";

export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    for (const form of new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)])) {
      out = out.split(form).join(REDACTED);
    }
  }
  return out;
}

/** A URL for messages: scheme, host and path only (no credentials, no query string). */
export function describeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}
