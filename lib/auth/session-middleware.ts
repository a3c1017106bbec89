import { createServerClient } from '@supabase/ssr';
import { NextResponse, type NextRequest } from 'next/server';
import { verifyAccessToken, type SessionUser } from '@/lib/auth/verify-access-token';
import type { ServerEnv } from '@/lib/env';

/** Paths anyone may open; everything else needs a session. API routes answer 401 themselves. */
const PUBLIC_PATHS = [/^\/login(\/|$)/, /^\/api\//, /^\/_next\//, /^\/favicon/, /^\/\.well-known\//];

export interface SessionResult {
  /** The response to continue with (carries refreshed auth cookies). */
  response: NextResponse;
  user: SessionUser | null;
}

/**
 * Edge-safe session step for `middleware.ts`: refreshes an expired Supabase session
 * (rotating the refresh token into fresh cookies), verifies the access token locally,
 * and sends visitors of protected pages to /login.
 */
export async function refreshSession(request: NextRequest, env: Pick<ServerEnv, 'SUPABASE_URL' | 'SUPABASE_ANON_KEY' | 'SUPABASE_JWT_SECRET'>): Promise<SessionResult> {
  let response = NextResponse.next({ request });
  const supabase = createServerClient(env.SUPABASE_URL, env.SUPABASE_ANON_KEY, {
    cookies: {
      getAll: () => request.cookies.getAll(),
      setAll: (toSet) => {
        for (const { name, value } of toSet) request.cookies.set(name, value);
        response = NextResponse.next({ request });
        for (const { name, value, options } of toSet) response.cookies.set(name, value, options);
      },
    },
  });
  // getSession() only calls the Auth server when the access token has expired (refresh).
  const { data } = await supabase.auth.getSession();
  const user = await verifyAccessToken(data.session?.access_token, env.SUPABASE_JWT_SECRET);

  const path = request.nextUrl.pathname;
  if (!user && !PUBLIC_PATHS.some((pattern) => pattern.test(path))) {
    const login = request.nextUrl.clone();
    login.pathname = '/login';
    login.search = `?next=${encodeURIComponent(path + request.nextUrl.search)}`;
    const redirect = NextResponse.redirect(login);
    for (const cookie of response.cookies.getAll()) redirect.cookies.set(cookie);
    return { response: redirect, user: null };
  }
  return { response, user };
}
