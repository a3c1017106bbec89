import 'server-only';
import { createSupabaseServerClient } from '@/lib/supabase/server-client';

/** Revokes this session at the Auth server and clears its cookies. */
export async function signOut(): Promise<void> {
  const supabase = await createSupabaseServerClient();
  const { error } = await supabase.auth.signOut({ scope: 'local' });
  if (error && error.status !== 401 && error.status !== 403) throw new Error(`auth: sign-out failed: ${error.message}`, { cause: error });
}
