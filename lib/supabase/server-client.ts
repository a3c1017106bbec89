import 'server-only';
import { createServerClient } from '@supabase/ssr';
import { serverClientOptions } from '@/lib/supabase/no-realtime-transport';
import { cookies } from 'next/headers';
import { serverEnv } from '@/lib/env';

/** Supabase client for server components, route handlers and server actions (user's cookies). */
export async function createSupabaseServerClient() {
  // Reading cookies first marks the route dynamic, so builds never need the env.
  const cookieStore = await cookies();
  const env = serverEnv();
  return createServerClient(env.SUPABASE_URL, env.SUPABASE_ANON_KEY, {
    ...serverClientOptions,
    cookies: {
      getAll: () => cookieStore.getAll(),
      setAll: (toSet) => {
        try {
          for (const { name, value, options } of toSet) cookieStore.set(name, value, options);
        } catch (error) {
          // Server components cannot set cookies; middleware refreshes the session instead.
          if (!(error instanceof Error) || !/Cookies can only be modified/.test(error.message)) throw error;
        }
      },
    },
  });
}
