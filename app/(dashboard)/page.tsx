import { AppHeader } from '@/components/app-header';
import { Dashboard } from '@/app/(dashboard)/_components/dashboard';
import { requireUser } from '@/lib/auth/current-user';
import { db } from '@/lib/db/pool';
import { publicConfig } from '@/lib/env';
import { myCohort } from '@/lib/rollout/server/my-cohort';
import { recordSighting } from '@/lib/rollout/server/subjects-store';

export default async function DashboardPage() {
  const user = await requireUser('/');
  const mine = await myCohort();
  void recordSighting(db(), mine.subject, mine.body.cohort, mine.body.configVersion).catch((error: unknown) => console.error('rollout: could not record a sighting', error));
  return (
    <>
      <AppHeader user={user} />
      <main className="mx-auto max-w-7xl space-y-4 px-4 py-6">
        <h1 className="text-lg font-semibold">Cache monitoring</h1>
        <Dashboard initialCohort={mine.body} config={publicConfig()} />
      </main>
    </>
  );
}
