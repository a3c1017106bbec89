import type { Metadata } from 'next';
import { AppHeader } from '@/components/app-header';
import { ValidationReportView } from '@/app/validation/_components/validation-report';
import { requireUser } from '@/lib/auth/current-user';

export const metadata: Metadata = { title: 'Validation' };

export default async function ValidationPage() {
  const user = await requireUser('/validation');
  return (
    <>
      <AppHeader user={user} />
      <main className="mx-auto max-w-7xl px-4 py-6">
        <h1 className="mb-4 text-lg font-semibold">Parallel run: legacy feed vs Supabase Realtime</h1>
        <ValidationReportView />
      </main>
    </>
  );
}
