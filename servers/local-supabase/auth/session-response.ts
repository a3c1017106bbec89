import { signAccessToken } from './access-token.js';
import type { IssuedSession } from './session-store.js';
import type { UserJson } from './user-record.js';

/** GoTrue's `AccessTokenResponse`: what auth-js stores as its session. */
export interface SessionResponse {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  expires_at: number;
  refresh_token: string;
  user: UserJson;
}

/** Mints the access token for a session and wraps it with its refresh token and user. */
export async function buildSessionResponse(input: {
  key: Uint8Array;
  issuer: string;
  expirySeconds: number;
  session: IssuedSession;
  user: UserJson;
}): Promise<SessionResponse> {
  const { session, user } = input;
  const iat = Math.floor(Date.now() / 1000);
  const exp = iat + input.expirySeconds;
  const accessToken = await signAccessToken(input.key, {
    iss: input.issuer,
    sub: user.id,
    aud: user.aud,
    exp,
    iat,
    email: user.email,
    phone: '',
    app_metadata: user.app_metadata,
    user_metadata: user.user_metadata,
    role: user.role,
    aal: 'aal1',
    amr: [{ method: 'password', timestamp: Math.floor(session.signedInAt.getTime() / 1000) }],
    session_id: session.sessionId,
    is_anonymous: user.is_anonymous,
  });
  return { access_token: accessToken, token_type: 'bearer', expires_in: input.expirySeconds, expires_at: exp, refresh_token: session.refreshToken, user };
}
