import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { clientInfo, issuerFor, type AuthContext } from './auth-context.js';
import { AuthHttpError } from './auth-error.js';
import { checkPasswordStrength, insertUser, validEmail } from './new-user.js';
import { readJsonBody } from './request-body.js';
import { buildSessionResponse, type SessionResponse } from './session-response.js';
import { createSession } from './session-store.js';
import { loadUser } from './user-record.js';

// GoTrue's `SignupParams`: unknown keys ignored, null means absent.
const signUpBody = z.object({
  email: z.string().max(1024).nullish(),
  phone: z.string().max(64).nullish(),
  password: z.string().max(4096).nullish(),
  data: z.record(z.string(), z.unknown()).nullish(),
  code_challenge: z.string().max(256).nullish(),
  code_challenge_method: z.string().max(16).nullish(),
});

/**
 * `POST /signup` (GoTrue `Signup`) for email + password with mailer autoconfirm (as
 * supabase/config.toml `enable_confirmations = false`): the user is created confirmed and gets
 * a session at once, like `signInWithPassword`. Off unless sign-up is enabled.
 */
export async function signUp(ctx: AuthContext & { enableSignup: boolean }, req: IncomingMessage): Promise<SessionResponse> {
  if (!ctx.enableSignup) throw new AuthHttpError(422, 'signup_disabled', 'Signups not allowed for this instance');
  const body = await readJsonBody(req, signUpBody);
  if (!body.password) throw new AuthHttpError(400, 'validation_failed', 'Signup requires a valid password');
  checkPasswordStrength(body.password);
  if (body.email && body.phone) throw new AuthHttpError(400, 'validation_failed', 'Only an email address or phone number should be provided on signup.');
  if (body.phone) throw new AuthHttpError(400, 'phone_provider_disabled', 'Phone signups are disabled');
  if (!body.email) throw new AuthHttpError(400, 'validation_failed', 'Sign up only available with email provider');
  if (body.code_challenge) throw new AuthHttpError(400, 'validation_failed', 'PKCE flow is not supported by the local Auth');
  const email = validEmail(body.email);
  const userId = await insertUser(ctx.pool, { email, password: body.password, aud: 'authenticated', role: 'authenticated', userMetadata: body.data ?? {}, appMetadata: {}, confirmed: true });
  // Autoconfirm: an existing (confirmed) email is "already registered".
  if (!userId) throw new AuthHttpError(422, 'user_already_exists', 'User already registered');
  const session = await createSession(ctx.pool, { userId, ...clientInfo(req) });
  const user = await loadUser(ctx.pool, userId);
  if (!user) throw new AuthHttpError(500, 'unexpected_failure', 'Database error creating user');
  return buildSessionResponse({ key: ctx.jwtKey, issuer: issuerFor(req), expirySeconds: ctx.jwtExpirySeconds, session, user: user.json });
}
