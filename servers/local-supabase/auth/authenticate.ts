import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { verifyAccessToken } from './access-token.js';
import type { AuthContext } from './auth-context.js';
import { AuthHttpError } from './auth-error.js';
import { loadUser, type UserRecord } from './user-record.js';

/** The caller behind a verified access token. */
export interface Caller {
  userId: string;
  sessionId: string | null;
  audience: string | null;
  user: UserRecord;
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const BEARER = /^bearer (\S+)$/i;

// Any token signed with the secret passes the signature check; its claims are still untrusted input.
const claimsShape = z.object({
  sub: z.string().optional(),
  session_id: z.string().optional(),
  aud: z.union([z.string(), z.array(z.string())]).optional(),
});

/** GoTrue's `extractBearerToken` + `parseJWTClaims`: the bearer token's verified claims, else 401 / 403 `bad_jwt`. */
export async function bearerClaims(ctx: AuthContext, req: IncomingMessage): Promise<Record<string, unknown>> {
  const token = BEARER.exec(req.headers.authorization ?? '')?.[1];
  if (!token) throw new AuthHttpError(401, 'no_authorization', 'This endpoint requires a valid Bearer token');
  const verified = await verifyAccessToken(ctx.jwtKey, token);
  if (!verified.ok) throw new AuthHttpError(403, 'bad_jwt', `invalid JWT: unable to parse or verify signature, ${verified.reason}`);
  return verified.claims;
}

/**
 * GoTrue's `requireAuthentication`: bearer token → signature and expiry → user → session,
 * with its statuses and codes (401 `no_authorization`, 403 `bad_jwt`, 403 `user_not_found`,
 * 403 `session_not_found` once signed out, 403 `user_banned`).
 */
export async function authenticate(ctx: AuthContext, req: IncomingMessage): Promise<Caller> {
  const claims = claimsShape.safeParse(await bearerClaims(ctx, req));
  if (!claims.success) throw new AuthHttpError(403, 'bad_jwt', 'invalid JWT: unable to parse or verify signature, token is malformed: could not JSON decode claim');
  const { sub, session_id: rawSessionId, aud } = claims.data;
  if (!sub) throw new AuthHttpError(403, 'bad_jwt', 'invalid claim: missing sub claim');
  if (!UUID.test(sub)) throw new AuthHttpError(400, 'bad_jwt', 'invalid claim: sub claim must be a UUID');
  const sessionId = rawSessionId && rawSessionId !== NIL_UUID ? rawSessionId : null;
  if (sessionId && !UUID.test(sessionId)) throw new AuthHttpError(403, 'bad_jwt', 'invalid claim: session_id claim must be a UUID');

  const user = await loadUser(ctx.pool, sub, sessionId);
  if (!user) throw new AuthHttpError(403, 'user_not_found', 'User from sub claim in JWT does not exist');
  if (user.sessionExists === false) throw new AuthHttpError(403, 'session_not_found', 'Session from session_id claim in JWT does not exist');
  if (user.banned) throw new AuthHttpError(403, 'user_banned', 'User is banned');
  return { userId: sub, sessionId, audience: (Array.isArray(aud) ? aud[0] : aud) ?? null, user };
}
