import Link from 'next/link';

export default function Forbidden() {
  return (
    <main className="flex min-h-dvh flex-col items-center justify-center gap-3 px-4 text-center">
      <p className="text-sm font-semibold text-red-600">403</p>
      <h1 className="text-xl font-semibold">Admins only</h1>
      <p className="text-sm text-slate-500">Your account can watch the dashboard but not change the rollout.</p>
      <Link href="/" className="text-sm text-brand-600 underline">
        Back to the dashboard
      </Link>
    </main>
  );
}
