import { register } from 'node:module';
import pg from 'pg';
import { startThrowawayPostgres, tolerateShutdown } from '../test-support/throwaway-postgres.js';
import { latencySummary, round, type BenchModule, type BenchRow } from './harness.js';

const DAY = 86_400_000;
/** Virtual days loaded; retention keeps 7 of raw metrics, so size should level off from day 8. */
const DAYS = Number(process.env.SOAK_DAYS ?? 10);
/** Metric rows per second: the simulator's default rate (servers/env.ts SIMULATOR_RATE). */
const RATE = Number(process.env.SOAK_RATE ?? 20);
/** Validation samples per metric row (the probe reports each event on several lanes; 1 keeps the run short). */
const SAMPLES_PER_ROW = Number(process.env.SOAK_SAMPLES_PER_ROW ?? 1);
/** Rows go in as one statement per this many virtual minutes (the trigger rolls up per statement). */
const CHUNK_MINUTES = 10;
const QUERY_RUNS = 40;

const SERVER_ONLY_STUB = `export async function resolve(specifier, context, next) {
  return specifier === 'server-only' ? { url: 'data:text/javascript,export {}', shortCircuit: true } : next(specifier, context);
}`;

// One chunk of metric rows: RATE rows/s spread over 3 caches × 7 shards, latencies varying.
const LOAD_METRICS = `
insert into public.cache_metrics (event_id, emitted_at, source, cache_name, hits, misses, hit_ratio, evictions, keys, memory_bytes, ops_per_sec, p50_latency_ms, p99_latency_ms)
select gen_random_uuid(), to_timestamp(($1::bigint + n * (1000.0 / $3)) / 1000.0), 'node-' || (n % 7), (array['sessions', 'catalog', 'carts'])[1 + n % 3],
       900 + n % 50, 100, (900 + n % 50) / (1000.0 + n % 50), n % 4, 5000 + n % 1000, 1048576, 1000 + n % 200, 0.3 + (n % 10) / 20.0, 2 + (n % 97) / 10.0
  from generate_series(0, $2::int - 1) n`;

const LOAD_SAMPLES = `
insert into public.validation_samples (observer, cohort, browser, event_id, event_seq, stream, transport, lane, emitted_ms, received_ms, digest, seq)
select 'probe', 'probe', 'node', gen_random_uuid(), n, 'cache_metrics', case when n % 2 = 0 then 'legacy' else 'realtime' end, 'primary',
       ($1::bigint + n * (1000.0 / $3))::bigint, ($1::bigint + n * (1000.0 / $3))::bigint + 3, md5(n::text), n
  from generate_series(0, $2::int - 1) n`;

const LOAD_EVENTS = `
insert into public.system_events (event_id, emitted_at, source, level, kind, cache_name, message)
select gen_random_uuid(), to_timestamp(($1::bigint + n * 10000) / 1000.0), 'node-1', 'info', 'cache.tick', 'sessions', 'tick ' || n from generate_series(0, $2::int - 1) n`;

/**
 * Virtual-time soak of the data lifecycle: DAYS days of metrics at the simulator's default
 * rate (plus samples and events) loaded as fast as Postgres takes them, with the rollup
 * trigger on; after each day, retention as the worker runs it (bounded batches) and a plain
 * VACUUM (what autovacuum does over a real day). Reports database size per day, the series
 * API's read path at 24 h and 7 d, and retention's cost (time, WAL per deleted row) against
 * dropping a day-sized partition.
 */
export const retentionSoakBench: BenchModule = {
  id: 'retention-soak',
  title: 'Data lifecycle: virtual-time soak (retention, rollups, series reads)',
  async run(): Promise<BenchRow[]> {
    register(`data:text/javascript,${encodeURIComponent(SERVER_ONLY_STUB)}`);
    const { runRetention } = await import('../lib/retention/run-retention.js');
    const { readSeries } = await import('../lib/series/read-series.js');
    const postgres = await startThrowawayPostgres({ seed: false });
    const pool = tolerateShutdown(new pg.Pool({ connectionString: postgres.databaseUrl, max: 4 }));
    const rows: BenchRow[] = [];
    const perDay = RATE * 86_400;
    const end = Math.floor(Date.now() / DAY) * DAY;
    const start = end - DAYS * DAY;
    const size = async () => Number((await pool.query<{ n: string }>('select pg_database_size(current_database()) as n')).rows[0]?.n) / 2 ** 20;
    const lsn = async () => (await pool.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn')).rows[0]?.lsn ?? '0/0';
    const walSince = async (from: string) => Number((await pool.query<{ n: string }>('select pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn) as n', [from])).rows[0]?.n);
    try {
      for (let day = 0; day < DAYS; day += 1) {
        const dayStart = start + day * DAY;
        const loadStarted = performance.now();
        const chunkRows = RATE * 60 * CHUNK_MINUTES;
        for (let chunk = 0; chunk < (24 * 60) / CHUNK_MINUTES; chunk += 1) {
          const at = dayStart + chunk * CHUNK_MINUTES * 60_000;
          await pool.query(LOAD_METRICS, [at, chunkRows, RATE]);
          if (SAMPLES_PER_ROW > 0) await pool.query(LOAD_SAMPLES, [at, Math.round(chunkRows * SAMPLES_PER_ROW), RATE * SAMPLES_PER_ROW]);
          await pool.query(LOAD_EVENTS, [at, (CHUNK_MINUTES * 60) / 10]);
        }
        const loadSeconds = (performance.now() - loadStarted) / 1000;
        const walBefore = await lsn();
        const retentionStarted = performance.now();
        let deleted = 0;
        let batches = 0;
        for (;;) {
          // Virtual time: deletes of published tables unpaced (pacing waits in real time; it changes when rows go, not how many stay).
          const run = await runRetention(pool, { now: dayStart + DAY, budgetMs: 60_000, publishedRowsPerSecond: Number.POSITIVE_INFINITY });
          deleted += Object.values(run?.deleted ?? {}).reduce((a, n) => a + n, 0);
          batches += run?.batches ?? 0;
          if (!run?.behind.length) break;
        }
        const retentionSeconds = (performance.now() - retentionStarted) / 1000;
        const wal = await walSince(walBefore);
        await pool.query('vacuum');
        rows.push({
          table: 'Database size by virtual day (retention after each day, then VACUUM)',
          name: `day ${day + 1}`,
          metrics: {
            'metric rows loaded': perDay,
            'load rows/s': round((perDay * (1 + SAMPLES_PER_ROW)) / loadSeconds, 0),
            'rows deleted': deleted,
            'retention s': round(retentionSeconds, 1),
            'delete batches': batches,
            'WAL B/deleted row': deleted > 0 ? round(wal / deleted, 0) : '–',
            'DB MB': round(await size(), 0),
          },
          note: `${RATE} metric rows/s + ${SAMPLES_PER_ROW} sample(s) per row${day + 1 >= 8 ? '; steady state: raw metrics keep 7 d, samples 3 d' : ''}`,
        });
      }
      const now = end;
      const counts = await pool.query<{ raw: string; m: string; h: string }>(
        'select (select count(*) from public.cache_metrics) as raw, (select count(*) from public.cache_metrics_1m) as m, (select count(*) from public.cache_metrics_1h) as h',
      );
      for (const range of ['1h', '24h', '7d'] as const) {
        const samples: number[] = [];
        let points = 0;
        for (let i = 0; i < QUERY_RUNS; i += 1) {
          const t0 = performance.now();
          const body = await readSeries(pool, { range }, now);
          samples.push(performance.now() - t0);
          points = body.series.reduce((a, s) => a + s.t.length, 0);
        }
        rows.push({ table: 'Series read path (readSeries, all caches, after the soak)', name: `range ${range}`, metrics: { ...latencySummary(samples), points: points }, note: range === '1h' ? 'minute rollups (60 points per cache)' : 'rollups: independent of the ingest rate; target p95 ≤ 100 ms' });
      }
      rows.push({
        table: 'Series read path (readSeries, all caches, after the soak)',
        name: 'rows held',
        metrics: { 'raw metric rows': Number(counts.rows[0]?.raw), '1-min rollups': Number(counts.rows[0]?.m), '1-h rollups': Number(counts.rows[0]?.h) },
      });
      // The alternative: one day in its own table (a partition) dropped whole.
      await pool.query(`create table public.soak_partition as select * from public.cache_metrics where emitted_at < to_timestamp($1 / 1000.0)`, [end - 6 * DAY]);
      const partitionRows = Number((await pool.query<{ n: string }>('select count(*) as n from public.soak_partition')).rows[0]?.n);
      const dropWal = await lsn();
      const dropStarted = performance.now();
      await pool.query('drop table public.soak_partition');
      rows.push({
        table: 'Retention choice: batched deletes vs dropping a partition',
        name: `drop a table of ${partitionRows} rows`,
        metrics: { 's': round((performance.now() - dropStarted) / 1000, 3), 'WAL bytes': await walSince(dropWal) },
        note: 'batched deletes: see WAL B/deleted row above; each deleted row is also one change for logical decoding',
      });
    } finally {
      await pool.end();
      await postgres.stop();
    }
    return rows;
  },
};
