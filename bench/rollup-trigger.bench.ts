import pg from 'pg';
import { startThrowawayPostgres, tolerateShutdown } from '../test-support/throwaway-postgres.js';
import { latencySummary, round, type BenchModule, type BenchRow } from './harness.js';

const ROUNDS = Number(process.env.ROLLUP_BENCH_ROUNDS ?? 200);

// Two rows from sources never seen before (a benchmark's stamped sources, pods with fresh
// names): the worst case for the per-source gauge map, which is capped per bucket.
const CHURN_INSERT = `
insert into public.cache_metrics (event_id, source, cache_name, hits, misses, hit_ratio, evictions, keys, memory_bytes, ops_per_sec, p50_latency_ms, p99_latency_ms)
select gen_random_uuid(), 'pod-' || ($1::int + n), 'churn', 900, 100, 0.9, 1, 5000, 1048576, 1000, 0.4, 2.5 from generate_series(1, 2) n`;
const CHURN_STATEMENTS = Number(process.env.ROLLUP_CHURN_STATEMENTS ?? 3_000);

// One ingest-shaped statement: `size` rows of 3 caches × 7 shards, as the ingest insert writes them.
const INSERT = `
insert into public.cache_metrics (event_id, source, cache_name, hits, misses, hit_ratio, evictions, keys, memory_bytes, ops_per_sec, p50_latency_ms, p99_latency_ms)
select gen_random_uuid(), 'node-' || (n % 7), (array['sessions', 'catalog', 'carts'])[1 + n % 3], 900, 100, 0.9, 1, 5000, 1048576, 1000, 0.3 + (n % 10) / 20.0, 2 + (n % 97) / 10.0
  from generate_series(1, $1::int) n`;

/**
 * What the rollup trigger adds to an ingest statement: the same insert with the trigger on
 * and off, interleaved round by round in one run (so machine load hits both alike), for the
 * dev rate's batch (20 rows, one a second) and the ingest benchmark's largest (1,000 rows).
 */
export const rollupTriggerBench: BenchModule = {
  id: 'rollup-trigger',
  title: 'Rollup trigger cost on ingest statements',
  async run(): Promise<BenchRow[]> {
    const postgres = await startThrowawayPostgres({ seed: false });
    const pool = tolerateShutdown(new pg.Pool({ connectionString: postgres.databaseUrl, max: 1 }));
    const rows: BenchRow[] = [];
    try {
      for (const size of [20, 1_000]) {
        const times: Record<'on' | 'off', number[]> = { on: [], off: [] };
        for (let round = 0; round < ROUNDS; round += 1) {
          for (const mode of round % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
            await pool.query(`alter table public.cache_metrics ${mode === 'on' ? 'enable' : 'disable'} trigger cache_metrics_roll_up`);
            const t0 = performance.now();
            await pool.query(INSERT, [size]);
            times[mode].push(performance.now() - t0);
          }
        }
        for (const mode of ['off', 'on'] as const) {
          const total = times[mode].reduce((a, t) => a + t, 0);
          rows.push({
            table: 'Insert statement time, rollup trigger off / on (same run, interleaved)',
            name: `${size} rows · trigger ${mode}`,
            metrics: { ...latencySummary(times[mode]), 'rows/s': round((size * ROUNDS) / (total / 1000), 0) },
          });
        }
      }
      // Fresh sources: statement time as the bucket's source count grows (flat once capped).
      // The interleaving above leaves the trigger off after an odd number of rounds.
      await pool.query('alter table public.cache_metrics enable trigger cache_metrics_roll_up');
      const churn: number[] = [];
      for (let k = 0; k < CHURN_STATEMENTS; k += 1) {
        const t0 = performance.now();
        await pool.query(CHURN_INSERT, [2 * k]);
        churn.push(performance.now() - t0);
      }
      const { rows: kept } = await pool.query<{ n: number }>("select max(sources)::int as n from public.cache_metrics_1h where cache_name = 'churn'");
      const stretches: Array<[string, number[]]> = [
        ['statements 1–100 (≤ 200 sources)', churn.slice(0, 100)],
        [`statements ${CHURN_STATEMENTS - 99}–${CHURN_STATEMENTS} (${2 * CHURN_STATEMENTS} sources offered)`, churn.slice(-100)],
      ];
      for (const [label, times] of stretches) {
        rows.push({
          table: 'Insert statement time with a fresh source on every row (2 rows per statement, one bucket)',
          name: label,
          metrics: latencySummary(times),
          note: `gauge map kept ${kept[0]?.n ?? 0} sources (public.rollup_max_sources())`,
        });
      }
    } finally {
      await pool.end();
      await postgres.stop();
    }
    return rows;
  },
};
