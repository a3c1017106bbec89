import { createHmac, timingSafeEqual } from 'node:crypto';

/** Verified JWT claims; `role` and `exp` are guaranteed present. */
export type JwtClaims = Record<string, unknown> & { role: string; exp: number };

/** Why a token was refused, in the categories the real server distinguishes. */
export type JwtFailure =
  | { kind: 'malformed' }
  | { kind: 'signature' }
  | { kind: 'missing_claims' }
  | { kind: 'invalid_exp' }
  | { kind: 'expired'; secondsAgo: number };

export type JwtResult = { ok: true; claims: JwtClaims } | { ok: false; failure: JwtFailure };

const HMAC_ALGS: Record<string, string> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };
const CACHE_LIMIT = 2_000;

/**
 * Verifies HS256/384/512 JWTs synchronously (so frame handling stays in order) and caches the
 * signature/claims check per token string; expiry is re-evaluated on every call.
 */
export function createJwtVerifier(secret: string, now: () => number = Date.now) {
  const key = Buffer.from(secret, 'utf8');
  const cache = new Map<string, SignedResult>();
  return (token: string): JwtResult => {
    let result = cache.get(token);
    if (!result) {
      result = verifyStatic(token, key);
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(token, result);
    }
    if (!result.ok) return result;
    // Upstream order: Joken validates `exp` (when it is a number) with the signature, before
    // authorize_conn asks for `role` and `exp`; so an expired token without a role is "expired".
    if (result.exp !== null) {
      const secondsAgo = Math.floor(now() / 1000) - result.exp;
      if (secondsAgo >= 0) return { ok: false, failure: { kind: 'expired', secondsAgo } };
    }
    return result.claimsFailure ? { ok: false, failure: result.claimsFailure } : { ok: true, claims: result.claims as JwtClaims };
  };
}

/** A token's time-independent check: format and signature, then what its claims lack. */
type SignedResult = { ok: false; failure: JwtFailure } | { ok: true; claims: Record<string, unknown>; exp: number | null; claimsFailure: JwtFailure | null };

export type JwtVerifier = ReturnType<typeof createJwtVerifier>;

function verifyStatic(token: string, key: Buffer): SignedResult {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, failure: { kind: 'malformed' } };
  const [headerPart = '', payloadPart = '', signaturePart = ''] = parts;
  const header = decodeJson(headerPart);
  const claims = decodeJson(payloadPart);
  if (!isObject(header) || !isObject(claims)) return { ok: false, failure: { kind: 'malformed' } };
  const hash = typeof header.alg === 'string' ? HMAC_ALGS[header.alg] : undefined;
  if (!hash) return { ok: false, failure: { kind: 'signature' } };
  const expected = createHmac(hash, key).update(`${headerPart}.${payloadPart}`).digest();
  const actual = Buffer.from(signaturePart, 'base64url');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    return { ok: false, failure: { kind: 'signature' } };
  }
  const exp = typeof claims.exp === 'number' && Number.isFinite(claims.exp) ? claims.exp : null;
  return { ok: true, claims, exp, claimsFailure: claimsFailure(claims) };
}

function claimsFailure(claims: Record<string, unknown>): JwtFailure | null {
  if (!('role' in claims) || !('exp' in claims)) return { kind: 'missing_claims' };
  if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) return { kind: 'invalid_exp' };
  if (typeof claims.role !== 'string') return { kind: 'missing_claims' };
  return null;
}

function decodeJson(part: string): unknown {
  if (!/^[A-Za-z0-9_-]+$/.test(part)) return undefined;
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Message text shared by upgrade refusals and `system` shutdowns (no code prefix). */
export function jwtFailureMessage(failure: JwtFailure): string {
  switch (failure.kind) {
    case 'malformed':
      return 'The token provided is not a valid JWT';
    case 'signature':
      return 'Failed to validate JWT signature';
    case 'missing_claims':
      return 'Fields `role` and `exp` are required in JWT';
    case 'invalid_exp':
      return 'Token expiration time is invalid';
    case 'expired':
      return `Token has expired ${failure.secondsAgo} seconds ago`;
  }
}

/** Join error reason, `<Code>: <message>` as realtime_channel.ex formats it. */
export function jwtJoinReason(failure: JwtFailure): string {
  switch (failure.kind) {
    case 'malformed':
      return `MalformedJWT: ${jwtFailureMessage(failure)}`;
    case 'signature':
      return `JwtSignatureError: ${jwtFailureMessage(failure)}`;
    case 'missing_claims':
    case 'invalid_exp':
    case 'expired':
      return `InvalidJWTToken: ${jwtFailureMessage(failure)}`;
  }
}

/** Upgrade refusal body text (the real server answers `Token has expired` without seconds). */
export function jwtUpgradeError(failure: JwtFailure): string {
  return failure.kind === 'expired' ? 'Token has expired' : jwtFailureMessage(failure);
}
