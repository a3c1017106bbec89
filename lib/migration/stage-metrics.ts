import 'server-only';
import type pg from 'pg';
import type { StageMetrics, SubjectEvidence } from '@/lib/migration/gates';
import { emptyHistogram, merge } from '@/lib/validation/latency-histogram';
import type { WindowCounts } from '@/lib/validation/window-analysis';

export interface MetricsFilter {
  /** Windows from this minute on (inclusive). */
  sinceMs: number;
  cohorts?: string[];
  browsers?: string[];
}

/** Per subject, the analysed per-minute windows (and error counters) since a time. */
export async function loadStageMetrics(pool: pg.Pool, filter: MetricsFilter): Promise<StageMetrics & { windows: number }> {
  const since = new Date(filter.sinceMs).toISOString();
  const params = [since, filter.cohorts ?? null, filter.browsers ?? null];
  const [windows, errors, quarantine, activity] = await Promise.all([
    pool.query<{ subject: string; trusted: boolean; counts: WindowCounts; latency_legacy: number[]; latency_realtime: number[] }>(
      `select subject, trusted, counts, latency_legacy, latency_realtime from public.validation_windows
        where minute >= $1::timestamptz and ($2::text[] is null or cohort = any($2)) and ($3::text[] is null or browser = any($3))`,
      params,
    ),
    pool.query<{ subject: string; trusted: boolean; errors: number; deliveries: number }>(
      `select e.subject, e.cohort = 'probe' as trusted, coalesce(sum(e.realtime_errors), 0)::int as errors, coalesce(sum(e.realtime_deliveries), 0)::int as deliveries
         from public.validation_errors e
        where e.at >= $1::timestamptz and ($2::text[] is null or e.cohort = any($2)) and ($3::text[] is null or e.browser = any($3))
        group by 1, 2`,
      params,
    ),
    pool.query<{ subject: string }>('select subject from public.validation_quarantine where released_at is null'),
    pool.query<{ users: number; rate: number }>(
      `select (select count(*)::int from public.rollout_subjects where last_seen > now() - interval '5 minutes') as users,
              (select count(*)::float8 / 60 from public.cache_metrics where emitted_at > now() - interval '1 minute')
                + (select count(*)::float8 / 60 from public.system_events where emitted_at > now() - interval '1 minute') as rate`,
    ),
  ]);
  const bySubject = new Map<string, SubjectEvidence & { latencyRealtime: number[]; latencyLegacy: number[] }>();
  const evidenceOf = (subject: string, trusted: boolean) => {
    let entry = bySubject.get(subject);
    if (!entry) {
      entry = {
        subject,
        trusted,
        compared: 0,
        discrepancies: 0,
        baselineCompared: 0,
        baselineDiscrepancies: 0,
        observerDisagrees: 0,
        realtimeErrors: 0,
        realtimeDeliveries: 0,
        latencyRealtime: emptyHistogram(),
        latencyLegacy: emptyHistogram(),
      };
      bySubject.set(subject, entry);
    }
    return entry;
  };
  for (const row of windows.rows) {
    const entry = evidenceOf(row.subject, row.trusted);
    entry.compared += row.counts.compared;
    entry.discrepancies += row.counts.discrepancies;
    entry.baselineCompared += row.counts.baseline.compared;
    entry.baselineDiscrepancies += row.counts.baseline.discrepancies;
    entry.observerDisagrees += row.counts.observerDisagrees;
    merge(entry.latencyLegacy, row.latency_legacy);
    merge(entry.latencyRealtime, row.latency_realtime);
  }
  for (const row of errors.rows) {
    const entry = evidenceOf(row.subject, row.trusted);
    entry.realtimeErrors += row.errors;
    entry.realtimeDeliveries += row.deliveries;
  }
  return {
    windows: windows.rowCount ?? 0,
    subjects: [...bySubject.values()],
    quarantined: quarantine.rows.map((row) => row.subject),
    activeUsers: activity.rows[0]?.users ?? 0,
    eventsPerSecond: activity.rows[0]?.rate ?? 0,
  };
}
