import 'server-only';
import { z } from 'zod';
import { createSupabaseServerClient } from '@/lib/supabase/server-client';

const credentialsSchema = z.object({
  email: z.email('Enter a valid email address.').max(255),
  password: z.string().min(1, 'Enter your password.').max(200),
});

export type SignInResult = { ok: true } | { ok: false; message: string; email: string };

/** Email + password sign-in; on success the session cookies are set on the response. */
export async function signInWithPassword(input: { email: unknown; password: unknown }): Promise<SignInResult> {
  const email = typeof input.email === 'string' ? input.email.trim() : '';
  const parsed = credentialsSchema.safeParse({ email, password: input.password });
  if (!parsed.success) return { ok: false, message: parsed.error.issues[0]?.message ?? 'Check the form.', email };
  const supabase = await createSupabaseServerClient();
  const { error } = await supabase.auth.signInWithPassword(parsed.data);
  if (!error) return { ok: true };
  return { ok: false, message: describeAuthError(error.code, error.status), email };
}

function describeAuthError(code: string | undefined, status: number | undefined): string {
  if (code === 'invalid_credentials') return 'That email and password do not match an account.';
  if (code === 'over_request_rate_limit' || status === 429) return 'Too many attempts. Wait a minute and try again.';
  if (status === undefined || status >= 500) return 'The sign-in service is unreachable right now. Try again shortly.';
  return 'Sign-in failed. Check your email and password.';
}
