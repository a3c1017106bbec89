import { createHash, createHmac, randomBytes } from 'node:crypto';

/** A fresh opaque refresh token: 16 random bytes, base64url (22 characters). */
export function newRefreshToken(): string {
  return randomBytes(16).toString('base64url');
}

/** What `auth.refresh_tokens.token_hash` stores: the plaintext never reaches the database. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * The token that replaces `parent` in row `rowId`. GoTrue hands the current child back when a
 * client re-presents its just-rotated parent (it lost the response) and stores tokens in
 * plaintext to do so; deriving the child from the parent, the row id and a server key lets us
 * recompute it from what the client presents while storing only hashes.
 */
export function deriveChildToken(childKey: Uint8Array, parent: string, rowId: string): string {
  return createHmac('sha256', childKey).update(`${parent}\u0000${rowId}`, 'utf8').digest().subarray(0, 16).toString('base64url');
}

/** A refresh-token key separate from the JWT key, derived from the same secret. */
export function refreshChildKey(jwtSecret: string): Uint8Array {
  return createHash('sha256').update(`switchyard:refresh-token-child:${jwtSecret}`, 'utf8').digest();
}

/** Shape check before touching the database (GoTrue refuses anything shorter than 12 chars). */
export function isPlausibleRefreshToken(token: string): boolean {
  return token.length >= 12 && token.length <= 128 && /^[A-Za-z0-9_-]+$/.test(token);
}
