import 'server-only';
import type pg from 'pg';
import type { StageMetrics } from '@/lib/migration/gates';
import { emptyHistogram, histogramPercentile, merge, total } from '@/lib/validation/latency-histogram';
import type { WindowCounts } from '@/lib/validation/window-analysis';

export interface MetricsFilter {
  sinceMs: number;
  cohorts?: string[];
  browsers?: string[];
}

/** Sums the analysed per-minute windows (and error counters) since a time. */
export async function loadStageMetrics(pool: pg.Pool, filter: MetricsFilter): Promise<StageMetrics & { windows: number; legacyP95Ms: number; allObserversRealtimeP95Ms: number }> {
  const since = new Date(filter.sinceMs).toISOString();
  const windows = await pool.query<{ cohort: string; counts: WindowCounts; latency_legacy: number[]; latency_realtime: number[] }>(
    `select cohort, counts, latency_legacy, latency_realtime from public.validation_windows
      where minute >= date_trunc('minute', $1::timestamptz)
        and ($2::text[] is null or cohort = any($2)) and ($3::text[] is null or browser = any($3))`,
    [since, filter.cohorts ?? null, filter.browsers ?? null],
  );
  const legacy = emptyHistogram();
  const realtime = emptyHistogram();
  const probeRealtime = emptyHistogram();
  let compared = 0;
  let discrepancies = 0;
  let baselineCompared = 0;
  let baselineDiscrepancies = 0;
  for (const row of windows.rows) {
    compared += row.counts.candidate.compared;
    discrepancies += row.counts.candidate.discrepancies;
    baselineCompared += row.counts.baseline.compared;
    baselineDiscrepancies += row.counts.baseline.discrepancies;
    merge(legacy, row.latency_legacy);
    merge(realtime, row.latency_realtime);
    if (row.cohort === 'probe') merge(probeRealtime, row.latency_realtime);
  }
  // The latency target is the transport's: measured by the probe (a server-side observer)
  // when it has enough samples, because a busy browser's own event loop inflates its
  // receive times for both transports alike.
  const useProbe = total(probeRealtime) >= 100;
  const gateLatency = useProbe ? probeRealtime : realtime;
  const errors = await pool.query<{ errors: number; deliveries: number }>(
    `select coalesce(sum(realtime_errors), 0)::int as errors, coalesce(sum(realtime_deliveries), 0)::int as deliveries
       from public.validation_errors where at >= $1 and ($2::text[] is null or cohort = any($2)) and ($3::text[] is null or browser = any($3))`,
    [since, filter.cohorts ?? null, filter.browsers ?? null],
  );
  const activity = await pool.query<{ users: number; rate: number }>(
    `select (select count(*)::int from public.rollout_subjects where last_seen > now() - interval '5 minutes') as users,
            (select count(*)::float8 / 60 from public.cache_metrics where emitted_at > now() - interval '1 minute')
              + (select count(*)::float8 / 60 from public.system_events where emitted_at > now() - interval '1 minute') as rate`,
  );
  return {
    windows: windows.rowCount ?? 0,
    compared,
    discrepancies,
    baselineCompared,
    baselineDiscrepancies,
    realtimeP95Ms: histogramPercentile(gateLatency, 95),
    realtimeLatencySource: useProbe ? 'probe' : 'all observers',
    allObserversRealtimeP95Ms: histogramPercentile(realtime, 95),
    legacyP95Ms: histogramPercentile(legacy, 95),
    realtimeLatencySamples: total(gateLatency),
    realtimeErrors: errors.rows[0]?.errors ?? 0,
    realtimeDeliveries: errors.rows[0]?.deliveries ?? 0,
    activeUsers: activity.rows[0]?.users ?? 0,
    eventsPerSecond: activity.rows[0]?.rate ?? 0,
  };
}
