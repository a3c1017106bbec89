import { SignJWT } from 'jose';

/** The probe's fixed identity: an authenticated, non-human user that may read both feeds. */
export const PROBE_USER_ID = '00000000-0000-4000-8000-0000000070be';

/** A Supabase-shaped access token for the probe, signed with the project JWT secret. */
export async function mintProbeToken(jwtSecret: string, ttlSeconds = 3600): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: 'authenticated', aud: 'authenticated', email: 'probe@switchyard.local', app_metadata: { role: 'viewer', provider: 'probe' }, session_id: PROBE_USER_ID })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(PROBE_USER_ID)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .sign(new TextEncoder().encode(jwtSecret));
}
