import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retentionJob } from '@/servers/worker/retention-job';
import { startThrowawayPostgres, tolerateShutdown, type ThrowawayPostgres } from '@/test-support/throwaway-postgres';
import { waitFor } from '@/test-support/wait-for';

let postgres: ThrowawayPostgres;
let pool: pg.Pool;

beforeAll(async () => {
  postgres = await startThrowawayPostgres({ seed: false });
  pool = tolerateShutdown(new pg.Pool({ connectionString: postgres.databaseUrl, max: 2 }));
});

afterAll(async () => {
  await pool?.end();
  await postgres?.stop();
});

describe('the worker\'s retention job', () => {
  it('trims rows past their period on its own ticks (days 8 and 9 of 0–9; day 7 is a minute short of the 7-day period), and keeps the fresh ones', async () => {
    await pool.query(
      `insert into public.cache_metrics (event_id, emitted_at, source, cache_name, hits, misses, hit_ratio, evictions, keys, memory_bytes, ops_per_sec, p50_latency_ms, p99_latency_ms)
       select gen_random_uuid(), now() - (n || ' days')::interval + interval '1 minute', 'node-1', 'sessions', 1, 1, 0.5, 0, 1, 1, 1, 1, 1 from generate_series(0, 9) n`,
    );
    const logs: string[] = [];
    const worker = await retentionJob({ databaseUrl: postgres.databaseUrl, everyMs: 20, onLog: (line) => logs.push(line) }).start();
    try {
      await waitFor(async () => Number((await pool.query<{ n: string }>("select count(*) as n from public.cache_metrics where emitted_at < now() - interval '7 days'")).rows[0]?.n) === 0, 'old rows deleted');
    } finally {
      await worker.close();
    }
    expect(Number((await pool.query<{ n: string }>('select count(*) as n from public.cache_metrics')).rows[0]?.n)).toBe(8);
    expect(logs.some((line) => line.startsWith('retention: deleted 2 cache_metrics'))).toBe(true);
  });
});
