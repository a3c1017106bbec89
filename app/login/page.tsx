import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { SignInForm } from '@/app/login/_components/sign-in-form';
import { currentUser } from '@/lib/auth/current-user';
import { appReturnPath } from '@/lib/auth/app-return-path';
import { serverEnv } from '@/lib/env';

export const metadata: Metadata = { title: 'Sign in' };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  const next = appReturnPath((await searchParams).next);
  if (await currentUser()) redirect(next);
  const local = serverEnv().SWITCHYARD_MODE === 'local';
  return (
    <main className="flex min-h-dvh items-center justify-center px-4">
      <div className="w-full max-w-sm rounded-xl border border-slate-200 bg-white p-8 shadow-sm dark:border-slate-800 dark:bg-slate-900">
        <h1 className="text-xl font-semibold">Sign in to Switchyard</h1>
        <p className="mt-1 mb-6 text-sm text-slate-500 dark:text-slate-400">Live cache metrics and system events.</p>
        <SignInForm next={next} />
        {local ? (
          <p className="mt-6 text-xs text-slate-500 dark:text-slate-400">
            Local mode demo accounts: <code>viewer@switchyard.local</code> / <code>switchyard-viewer</code>, <code>admin@switchyard.local</code> / <code>switchyard-admin</code>.
          </p>
        ) : null}
      </div>
    </main>
  );
}
