import 'server-only';
import { redirect } from 'next/navigation';
import { cache } from 'react';
import { serverEnv } from '@/lib/env';
import { verifyAccessToken, type SessionUser } from '@/lib/auth/verify-access-token';
import { createSupabaseServerClient } from '@/lib/supabase/server-client';

/** The signed-in user of this request (session cookie verified locally), or null. */
export const currentUser = cache(async (): Promise<SessionUser | null> => {
  const supabase = await createSupabaseServerClient();
  const { data } = await supabase.auth.getSession();
  return verifyAccessToken(data.session?.access_token, serverEnv().SUPABASE_JWT_SECRET);
});

/** For pages: the user, or a redirect to /login that comes back here afterwards. */
export async function requireUser(returnTo = '/'): Promise<SessionUser> {
  const user = await currentUser();
  if (!user) redirect(`/login?next=${encodeURIComponent(returnTo)}`);
  return user;
}
