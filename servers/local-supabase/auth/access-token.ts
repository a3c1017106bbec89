import { SignJWT, jwtVerify } from 'jose';

/** The claims of a Supabase access token, in the order GoTrue writes them. */
export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  iat: number;
  email: string;
  phone: string;
  app_metadata: Record<string, unknown>;
  user_metadata: Record<string, unknown>;
  role: string;
  aal: 'aal1';
  amr: { method: string; timestamp: number }[];
  session_id: string;
  is_anonymous: boolean;
}

export type VerifiedToken = { ok: true; claims: Record<string, unknown> } | { ok: false; reason: string };

/** Signs an access token (HS256, no `kid`: auth-js then verifies it through `GET /user`). */
export async function signAccessToken(key: Uint8Array, claims: AccessTokenClaims): Promise<string> {
  return new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key);
}

/**
 * Verifies an HS256 token. The failure reasons are golang-jwt's wording, which GoTrue puts
 * after "invalid JWT: unable to parse or verify signature, ".
 */
export async function verifyAccessToken(key: Uint8Array, token: string): Promise<VerifiedToken> {
  try {
    const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'] });
    return { ok: true, claims: payload as Record<string, unknown> };
  } catch (error) {
    return { ok: false, reason: failureReason(error) };
  }
}

function failureReason(error: unknown): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  const claim = typeof error === 'object' && error !== null && 'claim' in error ? String(error.claim) : '';
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'token has invalid claims: token is expired';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'token signature is invalid: signature is invalid';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'token signature is invalid: signing method is invalid';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return claim === 'nbf' ? 'token has invalid claims: token is not valid yet' : `token has invalid claims: ${claim || 'claim'} is invalid`;
    default:
      return 'token is malformed: could not decode token';
  }
}
