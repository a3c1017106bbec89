import Link from 'next/link';
import { signOutAction } from '@/lib/auth/sign-out-action';
import { ThemeToggle } from '@/components/theme-toggle';
import type { SessionUser } from '@/lib/auth/verify-access-token';

export function AppHeader({ user }: { user: SessionUser }) {
  return (
    <header className="border-b border-slate-200 bg-white/80 backdrop-blur dark:border-slate-800 dark:bg-slate-900/80">
      {/* On a phone the links take a second row, so "Sign out" never leaves the screen. */}
      <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-4 gap-y-2 px-4 py-3">
        <Link href="/" className="font-semibold tracking-tight">
          Switchyard
        </Link>
        <nav className="order-last flex w-full gap-3 text-sm text-slate-600 sm:order-none sm:w-auto dark:text-slate-300">
          <Link href="/" className="hover:text-slate-900 dark:hover:text-white">Dashboard</Link>
          <Link href="/validation" className="hover:text-slate-900 dark:hover:text-white">Validation</Link>
          {user.role === 'admin' ? (
            <Link href="/settings/rollout" className="hover:text-slate-900 dark:hover:text-white">Rollout</Link>
          ) : null}
        </nav>
        <div className="ml-auto flex items-center gap-3 text-sm">
          <span className="hidden text-slate-500 sm:inline dark:text-slate-400" title={`role: ${user.role}`}>
            {user.email} <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs dark:bg-slate-800">{user.role}</span>
          </span>
          <ThemeToggle />
          <form action={signOutAction}>
            <button type="submit" className="rounded-md border border-slate-300 px-2.5 py-1 hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">
              Sign out
            </button>
          </form>
        </div>
      </div>
    </header>
  );
}
