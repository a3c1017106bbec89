import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { issuerFor, type AuthContext } from './auth-context.js';
import { AuthHttpError } from './auth-error.js';
import { rotateRefreshToken } from './refresh-rotation.js';
import { isPlausibleRefreshToken } from './refresh-token.js';
import { readJsonBody } from './request-body.js';
import { buildSessionResponse, type SessionResponse } from './session-response.js';
import { loadUser } from './user-record.js';

const refreshGrantBody = z.object({ refresh_token: z.string().max(1024).nullish() });

/** `POST /token?grant_type=refresh_token`: rotates the refresh token, mints a new access token. */
export async function refreshGrant(ctx: AuthContext, req: IncomingMessage): Promise<SessionResponse> {
  const body = await readJsonBody(req, refreshGrantBody);
  const token = body.refresh_token ?? '';
  if (!isPlausibleRefreshToken(token)) throw new AuthHttpError(400, 'validation_failed', 'Refresh token is not valid');

  const outcome = await rotateRefreshToken(ctx.pool, token, {
    reuseIntervalSeconds: ctx.refreshTokenReuseIntervalSeconds,
    childKey: ctx.childKey,
  });
  switch (outcome.kind) {
    case 'not_found':
      throw new AuthHttpError(400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found');
    case 'user_banned':
      throw new AuthHttpError(400, 'user_banned', 'Invalid Refresh Token: User Banned');
    case 'session_expired':
      throw new AuthHttpError(400, 'session_expired', 'Invalid Refresh Token: Session Expired');
    case 'already_used':
      ctx.onLog?.(`[auth] refresh token reused outside the reuse interval: revoked every token of session ${outcome.sessionId}`);
      throw new AuthHttpError(400, 'refresh_token_already_used', 'Invalid Refresh Token: Already Used');
    case 'rotated': {
      const user = await loadUser(ctx.pool, outcome.session.userId);
      if (!user) throw new AuthHttpError(400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found');
      return buildSessionResponse({ key: ctx.jwtKey, issuer: issuerFor(req), expirySeconds: ctx.jwtExpirySeconds, session: outcome.session, user: user.json });
    }
  }
}
