import { describe, expect, it } from 'vitest';
import { POSTGRES_CHANGES_POINTS, projectHosted } from '@/lib/validation/engine/hosted-throughput';

describe('hosted Realtime projection from Supabase’s published throughput', () => {
  it('keeps the postgres_changes-with-RLS points the issue quotes (p95 228 ms at 500 clients on micro, 918 ms at 4,000 on large)', () => {
    expect(POSTGRES_CHANGES_POINTS.find((p) => p.compute === 'micro' && p.rls && p.concurrency === 500)?.p95Ms).toBe(228);
    expect(POSTGRES_CHANGES_POINTS.find((p) => p.compute === 'large' && p.rls && p.concurrency === 4_000)?.p95Ms).toBe(918);
  });

  it('picks the smallest published point that covers both the clients and the per-client rate', () => {
    expect(projectHosted('postgres_changes', 'micro', 800, 1.5)).toMatchObject({ p95Ms: 356, totalMessagesPerSecond: 1_200 });
    expect(projectHosted('postgres_changes', 'small', 100, 6).p95Ms).toBe(282);
  });

  it('says unknown beyond every published point instead of extrapolating', () => {
    // The simulator default (21 rows/s) is more per client than any RLS point sustained.
    const beyond = projectHosted('postgres_changes', 'micro', 50, 21);
    expect(beyond.p95Ms).toBeNull();
    expect(beyond.basis).toMatch(/^beyond every published/);
    expect(projectHosted('broadcast', 'micro', 60_000, 0.1).p95Ms).toBe(132);
    expect(projectHosted('broadcast', 'micro', 60_000, 1).p95Ms).toBeNull();
    expect(projectHosted('broadcast', 'micro', 100_000, 1).p95Ms).toBeNull();
  });

  it('projects broadcast from the RLS-authorized private-channel workload within its load', () => {
    expect(projectHosted('broadcast', 'large', 50, 21)).toMatchObject({ p95Ms: 49, totalMessagesPerSecond: 1_050 });
  });
});
