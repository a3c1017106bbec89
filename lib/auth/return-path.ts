const FALLBACK = '/';
const MAX_LENGTH = 2_048;

/**
 * The one rule for where a redirect may send a visitor (after sign-in, sign-out, on the
 * forbidden page): a path on the app's own origin, else `/`. Decided by parsing the value
 * against `appOrigin` the way a browser resolves a Location header — backslashes, tabs,
 * dot segments and all — and comparing origins, never by pattern alone. The result is the
 * parsed path, and it must stay a path when resolved again: `/.//evil.example` parses to
 * the same origin with pathname `//evil.example`, which a second resolution (Next's
 * redirect, the browser) would read as another host.
 */
export function safeReturnPath(value: unknown, appOrigin: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_LENGTH) return FALLBACK;
  const origin = new URL(appOrigin).origin;
  let url: URL;
  try {
    url = new URL(value, origin);
  } catch {
    return FALLBACK;
  }
  if (url.origin !== origin) return FALLBACK;
  const path = `${url.pathname}${url.search}${url.hash}`;
  if (!path.startsWith('/') || path.startsWith('//') || path.includes('\\')) return FALLBACK;
  // Encoded slashes a proxy or a later decode could turn into `//host` are refused too.
  if (/^\/(%2f|%5c)/i.test(url.pathname) || new URL(path, origin).origin !== origin) return FALLBACK;
  return path;
}
