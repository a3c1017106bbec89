import type { RealtimeStrategy } from '@/contracts/transports';
import type { ComputeSize } from '@/lib/rollout/config';

export { COMPUTE_SIZES, type ComputeSize } from '@/lib/rollout/config';

/**
 * Supabase's own published Realtime throughput, kept as a versioned table so a local pass can
 * be projected onto a hosted project. Update together with `SOURCES` (and the test), never by hand-tuning.
 */
export const HOSTED_THROUGHPUT_VERSION = '2026-12-02';

export const SOURCES = {
  postgresChanges: 'supabase/supabase apps/docs/data/realtime/throughput.json @ d662beae858a1b074a8a79f3c3b39de84043b2e5',
  broadcast: 'supabase/supabase apps/docs/content/guides/realtime/benchmarks.mdx @ d124a5ad0281f430edfd41549bc5c233c888b1ca',
} as const;


/** One row of throughput.json (postgres_changes, no filters): what `concurrency` clients sustained at most. */
export interface PostgresChangesPoint {
  compute: ComputeSize;
  rls: boolean;
  concurrency: number;
  maxMessagesPerClient: number;
  totalMessagesPerSecond: number;
  p95Ms: number;
}

const pc = (compute: ComputeSize, rls: boolean, concurrency: number, maxMessagesPerClient: number, totalMessagesPerSecond: number, p95Ms: number): PostgresChangesPoint => ({
  compute,
  rls,
  concurrency,
  maxMessagesPerClient,
  totalMessagesPerSecond,
  p95Ms,
});

/** throughput.json without the two sub-1 msgs/s rows (100k / 200k clients, large, no RLS). */
export const POSTGRES_CHANGES_POINTS: readonly PostgresChangesPoint[] = [
  pc('micro', false, 500, 64, 32_000, 238),
  pc('micro', false, 5_000, 10, 50_000, 807),
  pc('micro', false, 10_000, 5, 50_000, 1_310),
  pc('micro', false, 30_000, 1, 30_000, 941),
  pc('micro', true, 500, 6, 3_000, 228),
  pc('micro', true, 1_500, 2, 3_000, 356),
  pc('micro', true, 3_000, 1, 3_000, 616),
  pc('small', false, 500, 64, 32_000, 184),
  pc('small', false, 5_000, 10, 50_000, 782),
  pc('small', false, 10_000, 5, 50_000, 1_349),
  pc('small', false, 35_000, 1, 35_000, 1_287),
  pc('small', true, 500, 6, 3_000, 282),
  pc('small', true, 1_500, 2, 3_000, 387),
  pc('small', true, 3_000, 1, 3_000, 920),
  pc('large', false, 500, 64, 32_000, 184),
  pc('large', false, 5_000, 10, 50_000, 672),
  pc('large', false, 10_000, 5, 50_000, 1_253),
  pc('large', false, 35_000, 1, 35_000, 1_257),
  pc('large', true, 500, 8, 4_000, 618),
  pc('large', true, 2_000, 2, 4_000, 606),
  pc('large', true, 4_000, 1, 4_000, 918),
];

/** The benchmarks page's broadcast workloads closest to ours (not per compute size: Broadcast does not hit the database per delivery). */
export const BROADCAST_POINTS = {
  /** "Broadcast: Using the database": a trigger runs realtime.broadcast_changes on every insert. */
  fromDatabase: { concurrentUsers: 80_000, totalMessagesPerSecond: 10_000, p95Ms: 132, p99Ms: 159 },
  /** "Realtime Auth": private channels authorized by RLS policies, messages sent over the socket. */
  authorized: { concurrentUsers: 50_000, totalMessagesPerSecond: 150_000, p95Ms: 49, p99Ms: 96 },
} as const;

export interface HostedProjection {
  strategy: RealtimeStrategy;
  viewers: number;
  messagesPerViewer: number;
  totalMessagesPerSecond: number;
  /** Published p95 of the closest workload at or above this load; null: beyond every published point. */
  p95Ms: number | null;
  basis: string;
}

/**
 * The expected hosted p95 for `viewers` viewers each receiving `messagesPerViewer` msgs/s.
 * postgres_changes (the app's tables have RLS): the smallest published point of that compute size
 * with at least this many clients that sustained at least this rate per client. Broadcast: the
 * RLS-authorized workload when within its load, else the database workload, else null. A
 * projection picks the published point that covers the load; it never interpolates.
 */
export function projectHosted(strategy: RealtimeStrategy, compute: ComputeSize, viewers: number, messagesPerViewer: number): HostedProjection {
  const totalMessagesPerSecond = viewers * messagesPerViewer;
  const base = { strategy, viewers, messagesPerViewer, totalMessagesPerSecond };
  if (strategy === 'broadcast') {
    // Within the RLS-authorized private-channel workload: its p95. Beyond it but within the
    // database workload (fewer msgs/s, more users): that one's. Else unknown.
    const { authorized, fromDatabase } = BROADCAST_POINTS;
    const fits = (point: { concurrentUsers: number; totalMessagesPerSecond: number }) => viewers <= point.concurrentUsers && totalMessagesPerSecond <= point.totalMessagesPerSecond;
    const users = (n: number) => n.toLocaleString('en-US');
    if (fits(authorized)) {
      return { ...base, p95Ms: authorized.p95Ms, basis: `Realtime Auth (private channels, RLS): ${users(authorized.concurrentUsers)} users, ${users(authorized.totalMessagesPerSecond)} msgs/s → p95 ${authorized.p95Ms} ms; the database-sourced workload measured p95 ${fromDatabase.p95Ms} ms at ${users(fromDatabase.concurrentUsers)} users` };
    }
    if (fits(fromDatabase)) {
      return { ...base, p95Ms: fromDatabase.p95Ms, basis: `Broadcast from Database: ${users(fromDatabase.concurrentUsers)} users, ${users(fromDatabase.totalMessagesPerSecond)} msgs/s → p95 ${fromDatabase.p95Ms} ms` };
    }
    return { ...base, p95Ms: null, basis: 'beyond every published Broadcast load' };
  }
  const covering = POSTGRES_CHANGES_POINTS.filter((point) => point.compute === compute && point.rls && point.concurrency >= viewers && point.maxMessagesPerClient >= messagesPerViewer).sort(
    (a, b) => a.concurrency - b.concurrency,
  )[0];
  return covering
    ? { ...base, p95Ms: covering.p95Ms, basis: `postgres_changes with RLS, ${compute}: ${covering.concurrency.toLocaleString('en-US')} clients at ≤ ${covering.maxMessagesPerClient} msgs/s each → p95 ${covering.p95Ms} ms` }
    : { ...base, p95Ms: null, basis: `beyond every published postgres_changes-with-RLS point for ${compute} (${messagesPerViewer.toFixed(1)} msgs/s per client)` };
}
