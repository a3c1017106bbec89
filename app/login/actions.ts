'use server';

import { redirect } from 'next/navigation';
import { appReturnPath } from '@/lib/auth/app-return-path';
import { signInWithPassword } from '@/lib/auth/sign-in';

export interface SignInState {
  message: string | null;
  email: string;
}

export async function signInAction(_previous: SignInState, form: FormData): Promise<SignInState> {
  const result = await signInWithPassword({ email: form.get('email'), password: form.get('password') });
  if (!result.ok) return { message: result.message, email: result.email };
  redirect(appReturnPath(form.get('next')));
}
