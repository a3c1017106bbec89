import { SignJWT } from 'jose';

/** Signs an HS256 JWT with arbitrary claims (no defaults added). */
export async function signClaims(jwtSecret: string, claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(jwtSecret));
}

/** An "authenticated user" access token, as GoTrue would issue it; `expiresInS` may be negative. */
export async function signUserToken(jwtSecret: string, sub: string, expiresInS = 3600): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return signClaims(jwtSecret, { sub, role: 'authenticated', aud: 'authenticated', iat: now, exp: now + expiresInS });
}

/** A token that expired `agoS` seconds ago (valid signature, role present). */
export async function signExpiredToken(jwtSecret: string, agoS = 120): Promise<string> {
  return signUserToken(jwtSecret, '00000000-0000-4000-8000-000000000001', -agoS);
}

/** A validly signed token with `exp` but no `role`. */
export async function signRolelessToken(jwtSecret: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return signClaims(jwtSecret, { sub: '00000000-0000-4000-8000-000000000002', iat: now, exp: now + 3600 });
}
