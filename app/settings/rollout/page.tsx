import type { Metadata } from 'next';
import { forbidden } from 'next/navigation';
import { AppHeader } from '@/components/app-header';
import { RolloutSettings } from '@/app/settings/rollout/_components/rollout-settings';
import { requireUser } from '@/lib/auth/current-user';
import { rolloutOverview } from '@/lib/migration/admin-service';

export const metadata: Metadata = { title: 'Rollout' };

export default async function RolloutSettingsPage() {
  const user = await requireUser('/settings/rollout');
  if (user.role !== 'admin') forbidden();
  const overview = await rolloutOverview();
  return (
    <>
      <AppHeader user={user} />
      <main className="mx-auto max-w-7xl px-4 py-6">
        <h1 className="mb-4 text-lg font-semibold">Rollout: legacy feed → Supabase Realtime</h1>
        <RolloutSettings initial={overview} />
      </main>
    </>
  );
}
