import { register } from 'node:module';
import pg from 'pg';
import { startThrowawayPostgres, tolerateShutdown } from '../test-support/throwaway-postgres.js';
import { latencySummary, round, type BenchModule, type BenchRow } from './harness.js';

const DAY = 86_400_000;
/** Old rows waiting for retention: enough that deleting them outlasts the measurement. */
const BACKLOG_ROWS = Number(process.env.INTERFERENCE_BACKLOG ?? 1_500_000);
const BLOCK_MS = 5_000;
const BLOCKS = 4;

const SERVER_ONLY_STUB = `export async function resolve(specifier, context, next) {
  return specifier === 'server-only' ? { url: 'data:text/javascript,export {}', shortCircuit: true } : next(specifier, context);
}`;

const OLD_ROWS = `
insert into public.cache_metrics (event_id, emitted_at, source, cache_name, hits, misses, hit_ratio, evictions, keys, memory_bytes, ops_per_sec, p50_latency_ms, p99_latency_ms)
select gen_random_uuid(), to_timestamp(($1::bigint + n * 10) / 1000.0), 'node-' || (n % 7), (array['sessions', 'catalog', 'carts'])[1 + n % 3], 900, 100, 0.9, 1, 5000, 1048576, 1000, 0.5, 2
  from generate_series(0, $2::int - 1) n`;

// An ingest batch as the simulator sends it at the default rate: 20 rows.
const BATCH = `
insert into public.cache_metrics (event_id, source, cache_name, hits, misses, hit_ratio, evictions, keys, memory_bytes, ops_per_sec, p50_latency_ms, p99_latency_ms)
select gen_random_uuid(), 'node-' || (n % 7), (array['sessions', 'catalog', 'carts'])[1 + n % 3], 900, 100, 0.9, 1, 5000, 1048576, 1000, 0.5, 2 from generate_series(1, 20) n`;

/**
 * Does retention stall ingest? 20-row insert statements back to back, in blocks alternating
 * between "retention idle" and "retention deleting a backlog of old rows" (the worker's
 * runRetention in a loop, on its own connection), same run, same machine load.
 */
export const retentionInterferenceBench: BenchModule = {
  id: 'retention-interference',
  title: 'Ingest statements while retention deletes',
  async run(): Promise<BenchRow[]> {
    register(`data:text/javascript,${encodeURIComponent(SERVER_ONLY_STUB)}`);
    const { runRetention } = await import('../lib/retention/run-retention.js');
    const postgres = await startThrowawayPostgres({ seed: false });
    const pool = tolerateShutdown(new pg.Pool({ connectionString: postgres.databaseUrl, max: 4 }));
    const ingest = await pool.connect();
    const times: Record<'idle' | 'deleting', number[]> = { idle: [], deleting: [] };
    let deleted = 0;
    try {
      const old = Date.now() - 10 * DAY;
      for (let i = 0; i < BACKLOG_ROWS; i += 100_000) await pool.query(OLD_ROWS, [old + i * 10, Math.min(100_000, BACKLOG_ROWS - i)]);
      await pool.query('vacuum analyze public.cache_metrics');
      for (let block = 0; block < BLOCKS * 2; block += 1) {
        const mode = block % 2 === 0 ? 'idle' : 'deleting';
        let stop = false;
        const retention = mode === 'deleting'
          ? (async () => {
              while (!stop) deleted += Object.values((await runRetention(pool, { budgetMs: 500 }))?.deleted ?? {}).reduce((a, n) => a + n, 0);
            })()
          : Promise.resolve();
        const until = performance.now() + BLOCK_MS;
        while (performance.now() < until) {
          const t0 = performance.now();
          await ingest.query(BATCH);
          times[mode].push(performance.now() - t0);
        }
        stop = true;
        await retention;
      }
    } finally {
      ingest.release();
      await pool.end();
      await postgres.stop();
    }
    const rows: BenchRow[] = (['idle', 'deleting'] as const).map((mode) => ({
      table: 'Ingest statement (20 rows) latency, retention idle vs deleting (alternating 5-s blocks)',
      name: `retention ${mode}`,
      metrics: { ...latencySummary(times[mode]), 'statements/s': round(times[mode].length / ((BLOCKS * BLOCK_MS) / 1000), 0) },
      note: mode === 'deleting' ? `${deleted} old rows deleted meanwhile (batches of 5,000)` : undefined,
    }));
    return rows;
  },
};
