import 'server-only';
import type pg from 'pg';
import type { LaneErrors } from '@/lib/validation/engine/lane-comparison';

/** Errors and live deliveries per lane: the legacy feed's, and each Realtime strategy's (rows stored before the split read as postgres_changes). */
export async function loadLaneErrors(pool: pg.Pool, params: unknown[]): Promise<LaneErrors[]> {
  const { rows } = await pool.query<LaneErrors>(
    `select x.key as lane, e.cohort = 'probe' as trusted, coalesce(sum((x.value ->> 'errors')::int), 0)::int as errors, coalesce(sum((x.value ->> 'deliveries')::int), 0)::int as deliveries
       from public.validation_errors e
       cross join lateral jsonb_each(
         coalesce(e.by_strategy, jsonb_build_object('postgres_changes', jsonb_build_object('errors', e.realtime_errors, 'deliveries', e.realtime_deliveries)))
           || jsonb_build_object('legacy', jsonb_build_object('errors', e.legacy_errors, 'deliveries', e.legacy_deliveries))) x
      where e.at >= $1::timestamptz and ($2::text is null or e.cohort = $2) and ($3::text is null or e.browser = $3)
      group by 1, 2`,
    params,
  );
  return rows;
}
