'use server';

import { redirect } from 'next/navigation';
import { safeReturnPath, signInWithPassword } from '@/lib/auth/sign-in';
import { signOut } from '@/lib/auth/sign-out';

export interface SignInState {
  message: string | null;
  email: string;
}

export async function signInAction(_previous: SignInState, form: FormData): Promise<SignInState> {
  const result = await signInWithPassword({ email: form.get('email'), password: form.get('password') });
  if (!result.ok) return { message: result.message, email: result.email };
  redirect(safeReturnPath(form.get('next')));
}

export async function signOutAction(): Promise<void> {
  await signOut();
  redirect('/login');
}
