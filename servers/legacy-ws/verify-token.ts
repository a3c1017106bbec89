import { createSecretKey } from 'node:crypto';
import { errors, jwtVerify } from 'jose';
import { z } from 'zod';

const claimsSchema = z.object({
  sub: z.string().min(1),
  role: z.literal('authenticated'),
  exp: z.number(),
});

export type TokenCheck =
  | { ok: true; userId: string; expiresAt: number }
  | { ok: false; reason: 'invalid' | 'expired'; message: string };

/**
 * Verifies a Supabase user access token: HS256 only, signed with the project's JWT
 * secret, `exp` required and in the future, `role: authenticated` with a `sub` (the
 * public anon/service keys are JWTs signed with the same secret and must not pass).
 */
export function createTokenVerifier(jwtSecret: string): (token: string) => Promise<TokenCheck> {
  const key = createSecretKey(Buffer.from(jwtSecret, 'utf8'));
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], requiredClaims: ['exp', 'sub'] });
      const claims = claimsSchema.safeParse(payload);
      if (!claims.success) return { ok: false, reason: 'invalid', message: 'not a user access token' };
      return { ok: true, userId: claims.data.sub, expiresAt: claims.data.exp };
    } catch (error) {
      if (error instanceof errors.JWTExpired) return { ok: false, reason: 'expired', message: 'token expired' };
      if (error instanceof errors.JOSEError) return { ok: false, reason: 'invalid', message: `invalid token (${error.code})` };
      throw new Error('legacy-ws: unexpected failure verifying an access token', { cause: error });
    }
  };
}
