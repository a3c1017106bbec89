import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { clientInfo, issuerFor, type AuthContext } from './auth-context.js';
import { AuthHttpError } from './auth-error.js';
import { checkPassword } from './password-check.js';
import { readJsonBody } from './request-body.js';
import { buildSessionResponse, type SessionResponse } from './session-response.js';
import { createSession } from './session-store.js';
import { loadUser } from './user-record.js';

const INVALID_LOGIN = 'Invalid login credentials';

// Like GoTrue's Go struct: unknown keys (gotrue_meta_security, …) are ignored, null means absent.
const passwordGrantBody = z.object({
  email: z.string().max(1024).nullish(),
  phone: z.string().max(64).nullish(),
  password: z.string().max(4096).nullish(),
});

/** `POST /token?grant_type=password`: email + password → a new session. */
export async function passwordGrant(ctx: AuthContext, req: IncomingMessage): Promise<SessionResponse> {
  const body = await readJsonBody(req, passwordGrantBody);
  if (body.email && body.phone) {
    throw new AuthHttpError(400, 'validation_failed', 'Only an email address or phone number should be provided on login.');
  }
  if (body.phone) throw new AuthHttpError(422, 'phone_provider_disabled', 'Phone logins are disabled');
  if (!body.email) throw new AuthHttpError(400, 'validation_failed', 'missing email or phone');

  const check = await checkPassword(ctx.pool, body.email, body.password ?? '');
  if (!check) throw new AuthHttpError(400, 'invalid_credentials', INVALID_LOGIN);
  // Checked after the password (GoTrue checks bans first), so a ban never reveals an account.
  if (check.banned) throw new AuthHttpError(400, 'user_banned', 'User is banned');
  if (!check.confirmed) throw new AuthHttpError(400, 'email_not_confirmed', 'Email not confirmed');

  const session = await createSession(ctx.pool, { userId: check.userId, ...clientInfo(req) });
  const user = await loadUser(ctx.pool, check.userId);
  if (!user) throw new AuthHttpError(400, 'invalid_credentials', INVALID_LOGIN);
  return buildSessionResponse({ key: ctx.jwtKey, issuer: issuerFor(req), expirySeconds: ctx.jwtExpirySeconds, session, user: user.json });
}
