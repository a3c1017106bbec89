'use server';

import { redirect } from 'next/navigation';
import { appReturnPath } from '@/lib/auth/app-return-path';
import { signOut } from '@/lib/auth/sign-out';

/** Signs out; a `next` field (a path on this app) is where the next sign-in returns to. */
export async function signOutAction(form?: FormData): Promise<void> {
  await signOut();
  const next = appReturnPath(form?.get('next'));
  redirect(next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`);
}
