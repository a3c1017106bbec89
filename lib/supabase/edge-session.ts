import { createServerClient } from '@supabase/ssr';
import type { NextRequest } from 'next/server';
import { serverClientOptions } from '@/lib/supabase/no-realtime-transport';

export interface CookieToSet {
  name: string;
  value: string;
  options?: Record<string, unknown>;
}

/**
 * The session's access token as the middleware sees it (edge-safe): `@supabase/ssr` reads the
 * auth cookies and, only when the access token has expired, refreshes it with the Auth
 * server, rotating the refresh token into fresh cookies (set on the forwarded request and
 * returned for the response).
 */
export async function edgeAccessToken(request: NextRequest, env: { SUPABASE_URL: string; SUPABASE_ANON_KEY: string }): Promise<{ accessToken: string | null; cookies: CookieToSet[] }> {
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
  const { data } = await supabase.auth.getSession();
  return { accessToken: data.session?.access_token ?? null, cookies };
}
