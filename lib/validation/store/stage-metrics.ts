import 'server-only';
import type pg from 'pg';
import type { OutlierBasis, StageMetrics, SubjectEvidence } from '@/lib/validation/engine/gates';
import { emptyHistogram, merge } from '@/lib/stats/latency-histogram';
import type { WindowCounts } from '@/lib/validation/store/window-analysis';
import type { RealtimeStrategy } from '@/contracts/transports';

export interface MetricsFilter {
  /** Windows from this window start on (inclusive)… */
  sinceMs: number;
  /** …and before this one (exclusive; all when absent). */
  untilMs?: number;
  cohorts?: string[];
  browsers?: string[];
  /** One Realtime strategy's lane (what the gates judge: the strategy being rolled out); absent: every lane together. */
  strategy?: RealtimeStrategy;
}

/** One lane's share of a counter: all of it without a strategy; rows stored before the split are postgres_changes'. */
const laneShare = (column: 'errors' | 'deliveries') => `case when $5::text is null then e.realtime_${column}
  when e.by_strategy is null then case when $5 = 'postgres_changes' then e.realtime_${column} else 0 end
  else coalesce((e.by_strategy -> $5 ->> '${column}')::int, 0) end`;

/** Realtime errors and live deliveries per subject (and since its release from quarantine), on one strategy's lane when `$5` names one. */
function loadErrorCounters(pool: pg.Pool, params: unknown[]) {
  return pool.query<{ subject: string; trusted: boolean; errors: number; deliveries: number; after_release: boolean }>(
    `select e.subject, e.cohort = 'probe' as trusted, coalesce(q.released_at is not null and e.at >= q.released_at, false) as after_release,
            coalesce(sum(${laneShare('errors')}), 0)::int as errors, coalesce(sum(${laneShare('deliveries')}), 0)::int as deliveries
       from public.validation_errors e left join public.validation_quarantine q on q.subject = e.subject and q.released_at is not null
      where e.at >= $1::timestamptz and ($4::timestamptz is null or e.at < $4) and ($2::text[] is null or e.cohort = any($2)) and ($3::text[] is null or e.browser = any($3))
      group by 1, 2, 3`,
    params,
  );
}

/**
 * Per subject, the analysed per-minute windows (and error counters) since a time. Windows
 * and counters are kept per Realtime strategy; rows stored before they were read as postgres_changes.
 */
export async function loadStageMetrics(pool: pg.Pool, filter: MetricsFilter): Promise<StageMetrics & { windows: number; evidenceFromMs: number | null }> {
  const since = new Date(filter.sinceMs).toISOString();
  const until = filter.untilMs === undefined ? null : new Date(filter.untilMs).toISOString();
  const params = [since, filter.cohorts ?? null, filter.browsers ?? null, until, filter.strategy ?? null];
  const [windows, errors, quarantine, activity] = await Promise.all([
    pool.query<{ minute: Date; subject: string; trusted: boolean; counts: WindowCounts; latency_legacy: number[]; latency_realtime: number[]; after_release: boolean }>(
      `select w.minute, w.subject, w.trusted, w.counts, w.latency_legacy, w.latency_realtime, q.released_at is not null and w.minute >= q.released_at as after_release
         from public.validation_windows w left join public.validation_quarantine q on q.subject = w.subject and q.released_at is not null
        where w.minute >= $1::timestamptz and ($4::timestamptz is null or w.minute < $4) and ($2::text[] is null or w.cohort = any($2)) and ($3::text[] is null or w.browser = any($3))
          and ($5::text is null or w.strategy = $5)`,
      params,
    ),
    loadErrorCounters(pool, params),
    pool.query<{ subject: string; released: boolean }>('select subject, released_at is not null as released from public.validation_quarantine'),
    pool.query<{ users: number; rate: number; broadcast_rate: number }>(
      `select (select count(*)::int from public.rollout_subjects where last_seen > now() - interval '5 minutes') as users,
              (select count(*)::float8 / 60 from public.cache_metrics where emitted_at > now() - interval '1 minute')
                + (select count(*)::float8 / 60 from public.system_events where emitted_at > now() - interval '1 minute') as rate,
              -- What each broadcast viewer receives: the database's messages on the monitoring topics
              -- (per row or batched, whichever envelope is on; inserted_at is local time like now()).
              (select count(*)::float8 / 60 from realtime.messages
                where topic in ('monitoring:cache_metrics', 'monitoring:system_events') and extension = 'broadcast' and private is true
                  and inserted_at > localtimestamp - interval '1 minute') as broadcast_rate`,
    ),
  ]);
  const bySubject = new Map<string, SubjectEvidence & { latencyRealtime: number[]; latencyLegacy: number[] }>();
  const basis = (): OutlierBasis => ({ compared: 0, discrepancies: 0, observerDisagrees: 0, legacyFaults: 0, realtimeErrors: 0, realtimeDeliveries: 0 });
  const released = new Set(quarantine.rows.filter((row) => row.released).map((row) => row.subject));
  const evidenceOf = (subject: string, trusted: boolean) => {
    let entry = bySubject.get(subject);
    if (!entry) {
      entry = { subject, trusted, ...basis(), baselineCompared: 0, baselineDiscrepancies: 0, latencyRealtime: emptyHistogram(), latencyLegacy: emptyHistogram(), ...(released.has(subject) ? { sinceRelease: basis() } : {}) };
      bySubject.set(subject, entry);
    }
    return entry;
  };
  const add = (into: OutlierBasis, counts: WindowCounts) => {
    into.compared += counts.compared;
    into.discrepancies += counts.discrepancies;
    into.observerDisagrees += counts.observerDisagrees;
    into.legacyFaults += counts.missingControl + counts.controlMismatch;
  };
  // Where the probe's evidence begins (a stage's age says nothing if the probe was away).
  let evidenceFromMs: number | null = null;
  for (const row of windows.rows) {
    const entry = evidenceOf(row.subject, row.trusted);
    if (row.trusted && row.counts.compared > 0) evidenceFromMs = Math.min(evidenceFromMs ?? Number.POSITIVE_INFINITY, row.minute.getTime());
    add(entry, row.counts);
    if (row.after_release && entry.sinceRelease) add(entry.sinceRelease, row.counts);
    entry.baselineCompared += row.counts.baseline.compared;
    entry.baselineDiscrepancies += row.counts.baseline.discrepancies;
    merge(entry.latencyLegacy, row.latency_legacy);
    merge(entry.latencyRealtime, row.latency_realtime);
  }
  for (const row of errors.rows) {
    const entry = evidenceOf(row.subject, row.trusted);
    entry.realtimeErrors += row.errors;
    entry.realtimeDeliveries += row.deliveries;
    if (row.after_release && entry.sinceRelease) {
      entry.sinceRelease.realtimeErrors += row.errors;
      entry.sinceRelease.realtimeDeliveries += row.deliveries;
    }
  }
  return {
    windows: windows.rowCount ?? 0,
    evidenceFromMs,
    subjects: [...bySubject.values()],
    quarantined: quarantine.rows.filter((row) => !row.released).map((row) => row.subject),
    activeUsers: activity.rows[0]?.users ?? 0,
    eventsPerSecond: activity.rows[0]?.rate ?? 0,
    broadcastMessagesPerSecond: activity.rows[0]?.broadcast_rate ?? 0,
  };
}
