const keys = new Map<string, Promise<CryptoKey>>();

/**
 * The HS256 key for a secret, imported once (Web Crypto, so edge and Node alike).
 * Passing raw bytes to jose re-imports the key on every sign/verify, which dominated
 * the middleware's cost.
 */
export function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    keys.set(secret, key);
  }
  return key;
}
