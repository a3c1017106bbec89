import type { NextRequest } from 'next/server';
import { verifyAccessToken, type SessionUser } from '@/lib/auth/verify-access-token';
import type { ServerEnv } from '@/lib/env';
import type { RequestKind } from '@/lib/routing/request-kind';
import { edgeAccessToken, type CookieToSet } from '@/lib/supabase/edge-session';

export interface SessionResult {
  user: SessionUser | null;
  /** Refreshed auth cookies: set on the forwarded request and on the response. */
  cookies: CookieToSet[];
  /** Where to send a visitor of a protected page, or null. */
  redirectTo: URL | null;
}

/**
 * The middleware's session step (edge-safe): refresh an expired session, verify the access
 * token locally, and name the login redirect for a signed-out visitor of a page that needs
 * a session (API routes answer 401 themselves).
 */
export async function refreshSession(request: NextRequest, kind: RequestKind, env: Pick<ServerEnv, 'SUPABASE_URL' | 'SUPABASE_ANON_KEY' | 'SUPABASE_JWT_SECRET'>): Promise<SessionResult> {
  const { accessToken, cookies } = await edgeAccessToken(request, env);
  const user = await verifyAccessToken(accessToken, env.SUPABASE_JWT_SECRET);
  let redirectTo: URL | null = null;
  if (!user && kind === 'page') {
    redirectTo = request.nextUrl.clone();
    redirectTo.pathname = '/login';
    redirectTo.search = `?next=${encodeURIComponent(request.nextUrl.pathname + request.nextUrl.search)}`;
  }
  return { user, cookies, redirectTo };
}
