import { createServerClient } from '@supabase/ssr';
import { serverClientOptions } from '@/lib/supabase/no-realtime-transport';
import type { NextRequest } from 'next/server';
import { verifyAccessToken, type SessionUser } from '@/lib/auth/verify-access-token';
import type { ServerEnv } from '@/lib/env';

/** Paths anyone may open; everything else needs a session. API routes answer 401 themselves. */
const PUBLIC_PATHS = [/^\/login(\/|$)/, /^\/api\//, /^\/_next\//, /^\/favicon/, /^\/icon\.svg$/, /^\/\.well-known\//];

export interface CookieToSet {
  name: string;
  value: string;
  options?: Record<string, unknown>;
}

export interface SessionResult {
  user: SessionUser | null;
  /** Refreshed auth cookies: set on the forwarded request and on the response. */
  cookies: CookieToSet[];
  /** Where to send a visitor of a protected page, or null. */
  redirectTo: URL | null;
}

/**
 * Edge-safe session step for `middleware.ts`: refreshes an expired Supabase session
 * (rotating the refresh token into fresh cookies), verifies the access token locally,
 * and names the login redirect for visitors of protected pages.
 */
export async function refreshSession(request: NextRequest, env: Pick<ServerEnv, 'SUPABASE_URL' | 'SUPABASE_ANON_KEY' | 'SUPABASE_JWT_SECRET'>): Promise<SessionResult> {
  const cookies: CookieToSet[] = [];
  const supabase = createServerClient(env.SUPABASE_URL, env.SUPABASE_ANON_KEY, {
    ...serverClientOptions,
    cookies: {
      getAll: () => request.cookies.getAll(),
      setAll: (toSet) => {
        for (const cookie of toSet) {
          request.cookies.set(cookie.name, cookie.value);
          cookies.push(cookie);
        }
      },
    },
  });
  // getSession() only calls the Auth server when the access token has expired (refresh).
  const { data } = await supabase.auth.getSession();
  const user = await verifyAccessToken(data.session?.access_token, env.SUPABASE_JWT_SECRET);

  const path = request.nextUrl.pathname;
  let redirectTo: URL | null = null;
  if (!user && !PUBLIC_PATHS.some((pattern) => pattern.test(path))) {
    redirectTo = request.nextUrl.clone();
    redirectTo.pathname = '/login';
    redirectTo.search = `?next=${encodeURIComponent(path + request.nextUrl.search)}`;
  }
  return { user, cookies, redirectTo };
}
