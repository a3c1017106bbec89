/**
 * The bearer the middleware shows the snapshot route: derived from the cookie secret
 * (SHA-256 of a purpose string), so the secret itself never travels. Web Crypto only.
 */
export async function snapshotToken(secret: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`switchyard:rollout-snapshot:${secret}`));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Constant-time comparison of two strings of hex. */
export function sameToken(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i += 1) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
