import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';

/** A signed-in user's access token, shaped as the local Auth server signs it. */
export function userToken(jwtSecret: string, sub: string = randomUUID()): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: 'authenticated', aud: 'authenticated', email: 'viewer@switchyard.local' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt(now)
    .setExpirationTime(now + 3_600)
    .sign(new TextEncoder().encode(jwtSecret));
}
