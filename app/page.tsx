import { AppHeader } from '@/components/app-header';
import { requireUser } from '@/lib/auth/current-user';

export default async function DashboardPage() {
  const user = await requireUser('/');
  return (
    <>
      <AppHeader user={user} />
      <main className="mx-auto max-w-7xl px-4 py-6">
        <h1 className="text-lg font-semibold">Cache monitoring</h1>
        <p className="text-sm text-slate-500 dark:text-slate-400">Signed in as {user.email}.</p>
      </main>
    </>
  );
}
