import { errors, jwtVerify } from 'jose';
import { z } from 'zod';
import { hmacKey } from '@/lib/auth/hmac-key';

const claimsSchema = z.object({
  sub: z.string().min(1),
  role: z.string(),
  email: z.string().optional(),
  session_id: z.string().optional(),
  exp: z.number(),
  app_metadata: z.record(z.string(), z.unknown()).default({}),
});

export type AppRole = 'admin' | 'viewer';

export interface SessionUser {
  id: string;
  email: string;
  role: AppRole;
  /** Free-form segment label from app_metadata (used by rollout segment rules). */
  segment: string | null;
  sessionId: string | null;
  expiresAt: number;
}

/**
 * Verifies a Supabase access token locally (HS256 with the project's JWT secret; Web
 * Crypto only, so it runs on the edge too). Returns null for anything not a valid,
 * unexpired user token.
 */
export async function verifyAccessToken(token: string | undefined | null, jwtSecret: string): Promise<SessionUser | null> {
  if (!token) return null;
  try {
    const { payload } = await jwtVerify(token, await hmacKey(jwtSecret), { algorithms: ['HS256'] });
    const claims = claimsSchema.parse(payload);
    if (claims.role !== 'authenticated') return null;
    const appRole = claims.app_metadata.role === 'admin' ? 'admin' : 'viewer';
    const segment = typeof claims.app_metadata.segment === 'string' ? claims.app_metadata.segment : null;
    return { id: claims.sub, email: claims.email ?? '', role: appRole, segment, sessionId: claims.session_id ?? null, expiresAt: claims.exp };
  } catch (error) {
    // Expired, tampered, wrong secret or malformed: the caller treats all of them as signed out.
    if (error instanceof errors.JOSEError || error instanceof z.ZodError) return null;
    throw new Error('auth: unexpected failure verifying an access token', { cause: error });
  }
}
