import 'server-only';
import type pg from 'pg';
import type { CacheSeriesPoints, SeriesResponse } from '@/contracts/series';
import { mapDatabaseError } from '@/lib/api/database-error';
import { SERIES_RANGES, seriesWindow } from '@/lib/dashboard/series-ranges';
import { stepValues, type StepTotals } from '@/lib/dashboard/step-values';
import type { SeriesQuery } from '@/lib/series/series-query';
import { bucketUpperEdge } from '@/lib/stats/latency-histogram';

/** With no `cache` given, the series of at most this many caches (by name). */
export const MAX_SERIES_CACHES = 12;

/** One step of one cache, as both SQL paths produce it. */
interface StepRow extends StepTotals {
  cache_name: string;
  t: number;
}

// Raw rows, bucketed at the step. Per source first (its last gauge reading, its covered
// seconds), then per cache; percentiles are nearest-rank over the per-sample values.
const RAW = `
with picked as (
  select distinct cache_name from public.cache_metrics
   where emitted_at >= to_timestamp($1 / 1000.0) and emitted_at < to_timestamp($2 / 1000.0) and ($4::text is null or cache_name = $4)
   order by cache_name limit $5
), rows as materialized (
  select m.*, date_bin(make_interval(secs => $3 / 1000.0), m.emitted_at, to_timestamp(0)) as b
    from public.cache_metrics m join picked using (cache_name)
   where m.emitted_at >= to_timestamp($1 / 1000.0) and m.emitted_at < to_timestamp($2 / 1000.0)
), per_source as (
  select cache_name, b, source, sum(window_seconds)::float8 as seconds, sum(hits) as hits, sum(misses) as misses, sum(evictions) as evictions,
         sum(ops_per_sec * window_seconds) as ops, (array_agg(keys order by emitted_at desc, id desc))[1] as keys,
         (array_agg(memory_bytes order by emitted_at desc, id desc))[1] as memory
    from rows group by 1, 2, 3
), latency as (
  select cache_name, b, percentile_disc(0.5) within group (order by p50_latency_ms) as p50, percentile_disc(0.99) within group (order by p99_latency_ms) as p99
    from rows group by 1, 2
)
select s.cache_name, (extract(epoch from s.b) * 1000)::float8 as t, count(*)::int as sources, sum(s.seconds)::float8 as seconds,
       sum(s.hits)::float8 as hits, sum(s.misses)::float8 as misses, sum(s.evictions)::float8 as evictions, sum(s.ops)::float8 as ops,
       min(l.p50) as p50, min(l.p99) as p99, sum(s.keys)::float8 as keys, sum(s.memory)::float8 as memory
  from per_source s join latency l using (cache_name, b)
 group by s.cache_name, s.b order by s.cache_name, s.b`;

// Rollup rows carry their percentiles and gauge sums (generated columns), so a read is a scan.
const ROLLUP = (table: 'cache_metrics_1m' | 'cache_metrics_1h') => `
with picked as (
  select distinct cache_name from public.${table}
   where bucket >= to_timestamp($1 / 1000.0) and bucket < to_timestamp($2 / 1000.0) and ($3::text is null or cache_name = $3)
   order by cache_name limit $4
)
select r.cache_name, (extract(epoch from r.bucket) * 1000)::float8 as t, r.sources, r.seconds, r.hits::float8 as hits, r.misses::float8 as misses,
       r.evictions::float8 as evictions, r.ops, r.p50_ms as p50, r.p99_ms as p99, r.keys, r.memory
  from public.${table} r join picked using (cache_name)
 where r.bucket >= to_timestamp($1 / 1000.0) and r.bucket < to_timestamp($2 / 1000.0)
 order by r.cache_name, r.bucket`;

/** The series of a range: raw rows, minute or hour rollups as the range table says; ≤ 1,441 points per cache. */
export async function readSeries(pool: pg.Pool, query: SeriesQuery, now = Date.now()): Promise<SeriesResponse> {
  const range = SERIES_RANGES[query.range];
  const { from, to } = seriesWindow(query.range, now);
  const cache = query.cache ?? null;
  let rows: StepRow[];
  try {
    if (range.resolution === 'raw') {
      ({ rows } = await pool.query<StepRow>({ text: RAW, values: [from, to, range.stepMs, cache, MAX_SERIES_CACHES] }));
      rows = rows.map((row) => ({ ...row, p50: row.p50 === null ? null : bucketUpperEdge(row.p50), p99: row.p99 === null ? null : bucketUpperEdge(row.p99) }));
    } else {
      const table = range.resolution === '1m' ? 'cache_metrics_1m' : 'cache_metrics_1h';
      ({ rows } = await pool.query<StepRow>({ text: ROLLUP(table), values: [from, to, cache, MAX_SERIES_CACHES] }));
    }
  } catch (error) {
    throw mapDatabaseError(error, 'series');
  }
  return { range: query.range, resolution: range.resolution, stepMs: range.stepMs, from, to, series: toSeries(rows, range.stepMs) };
}

/** Rows (ordered by cache, then time) into one column set per cache, with a null step wherever data is missing. */
function toSeries(rows: StepRow[], stepMs: number): CacheSeriesPoints[] {
  const out: CacheSeriesPoints[] = [];
  let current: CacheSeriesPoints | undefined;
  const push = (series: CacheSeriesPoints, t: number, row: StepRow | null) => {
    const values = row ? stepValues(row) : null;
    series.t.push(t);
    series.hitRatio.push(values?.hitRatio ?? null);
    series.opsPerSec.push(values?.opsPerSec ?? null);
    series.evictionsPerSec.push(values?.evictionsPerSec ?? null);
    series.p50LatencyMs.push(values?.p50LatencyMs ?? null);
    series.p99LatencyMs.push(values?.p99LatencyMs ?? null);
    series.keys.push(values?.keys ?? null);
    series.memoryBytes.push(values?.memoryBytes ?? null);
  };
  for (const row of rows) {
    if (current?.cache !== row.cache_name) {
      current = { cache: row.cache_name, t: [], hitRatio: [], opsPerSec: [], p50LatencyMs: [], p99LatencyMs: [], keys: [], memoryBytes: [], evictionsPerSec: [] };
      out.push(current);
    }
    const previous = current.t.at(-1);
    if (previous !== undefined && row.t > previous + stepMs) push(current, previous + stepMs, null);
    push(current, row.t, row);
  }
  return out;
}
