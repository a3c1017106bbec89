import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRetention } from '@/lib/retention/run-retention';
import { startThrowawayPostgres, tolerateShutdown, type ThrowawayPostgres } from '@/test-support/throwaway-postgres';

let postgres: ThrowawayPostgres;
let pool: pg.Pool;
const DAY = 86_400_000;
const NOW = Date.parse('2026-12-20T12:00:00Z');

beforeAll(async () => {
  postgres = await startThrowawayPostgres({ seed: false });
  pool = tolerateShutdown(new pg.Pool({ connectionString: postgres.databaseUrl, max: 4 }));
});

afterAll(async () => {
  await pool?.end();
  await postgres?.stop();
});

/** `perDay` metric rows for each of the `days` days before NOW (oldest first). */
async function storeMetrics(days: number, perDay: number): Promise<void> {
  await pool.query(
    `insert into public.cache_metrics (event_id, emitted_at, source, cache_name, hits, misses, hit_ratio, evictions, keys, memory_bytes, ops_per_sec, p50_latency_ms, p99_latency_ms)
     select gen_random_uuid(), to_timestamp(($1::bigint - d * 86400000 + 3600000 + n * 1000) / 1000.0), 'node-1', 'sessions', 9, 1, 0.9, 0, 100, 4096, 10, 0.5, 2
       from generate_series(1, $2::int) d, generate_series(1, $3::int) n`,
    [NOW, days, perDay],
  );
}

const count = async (table: string, where = 'true') => Number((await pool.query<{ n: string }>(`select count(*) as n from public.${table} where ${where}`)).rows[0]?.n);

describe('retention', () => {
  it('deletes only rows past their table period, keeps the rollups, and records the run', async () => {
    await storeMetrics(10, 50);
    await pool.query(`insert into public.system_events (event_id, emitted_at, source, level, kind, message) values
      (gen_random_uuid(), to_timestamp($1 / 1000.0), 's', 'info', 'old', 'eight days old'), (gen_random_uuid(), to_timestamp($2 / 1000.0), 's', 'info', 'new', 'one day old')`,
      [NOW - 8 * DAY, NOW - DAY]);
    const minuteRollups = await count('cache_metrics_1m');
    const run = await runRetention(pool, { now: NOW, batchRows: 40 });
    expect(run?.behind).toEqual([]);
    // Days 1..7 before now are within 7 days (each row is at day - 1 h + n s); days 8..10 are not.
    expect(run?.deleted.cache_metrics).toBe(3 * 50);
    expect(await count('cache_metrics')).toBe(7 * 50);
    expect(await count('cache_metrics', `emitted_at < to_timestamp(${NOW - 7 * DAY} / 1000.0)`)).toBe(0);
    expect(await count('system_events')).toBe(1);
    // Minute rollups keep 30 days: nothing of the last 10 days goes.
    expect(await count('cache_metrics_1m')).toBe(minuteRollups);
    const policy = await pool.query<{ last_deleted: string; behind: boolean }>("select last_deleted, behind from public.retention_policy where table_name = 'cache_metrics'");
    expect(policy.rows[0]).toEqual({ last_deleted: '150', behind: false });
  });

  it('paces deletes of tables Realtime publishes, so decoding them cannot swamp delivery, while the others go at full speed', async () => {
    await pool.query('truncate public.cache_metrics, public.validation_errors');
    await storeMetrics(12, 400);
    // 2,000 old validation_errors rows: not in the supabase_realtime publication.
    await pool.query(
      `insert into public.validation_errors (at, observer, cohort, browser) select to_timestamp(($1::bigint - 5 * 86400000) / 1000.0), 'o-' || n, 'shadow', 'chrome' from generate_series(1, 2000) n`,
      [NOW],
    );
    const published = await pool.query<{ tablename: string }>("select tablename from pg_publication_tables where pubname = 'supabase_realtime' and schemaname = 'public'");
    expect(published.rows.map((row) => row.tablename)).toContain('cache_metrics');
    expect(published.rows.map((row) => row.tablename)).not.toContain('validation_errors');
    const run = await runRetention(pool, { now: NOW, batchRows: 1_000, budgetMs: 500, publishedRowsPerSecond: 1_000 });
    // 0.5 s at 1,000 rows/s is 500 rows, give or take the batch that opens the budget.
    expect(run?.deleted.cache_metrics ?? 0).toBeGreaterThan(0);
    expect(run?.deleted.cache_metrics ?? 0).toBeLessThanOrEqual(750);
    expect(run?.behind).toContain('cache_metrics');
    expect(run?.deleted.validation_errors).toBe(2_000);
  });

  it('stops at its budget, says which tables are behind, and catches up on the next runs', async () => {
    await storeMetrics(12, 200);
    let run = await runRetention(pool, { now: NOW, batchRows: 10, budgetMs: 0 });
    expect(run?.batches).toBe(1);
    expect(run?.behind).toContain('cache_metrics');
    for (let i = 0; i < 20 && run?.behind.length; i += 1) run = await runRetention(pool, { now: NOW, batchRows: 500, budgetMs: 60_000 });
    expect(run?.behind).toEqual([]);
    expect(await count('cache_metrics', `emitted_at < to_timestamp(${NOW - 7 * DAY} / 1000.0)`)).toBe(0);
  });

  it('follows a changed period on the next run', async () => {
    await pool.query("update public.retention_policy set keep = interval '2 days' where table_name = 'cache_metrics'");
    await runRetention(pool, { now: NOW, batchRows: 1_000 });
    expect(await count('cache_metrics', `emitted_at < to_timestamp(${NOW - 2 * DAY} / 1000.0)`)).toBe(0);
    expect(await count('cache_metrics')).toBeGreaterThan(0);
    await pool.query("update public.retention_policy set keep = interval '7 days' where table_name = 'cache_metrics'");
  });

  it('runs in one process at a time: a second caller backs off while the lock is held', async () => {
    const holder = await pool.connect();
    try {
      await holder.query("select pg_advisory_lock(hashtext('switchyard:retention'))");
      expect(await runRetention(pool, { now: NOW })).toBeNull();
      await holder.query("select pg_advisory_unlock(hashtext('switchyard:retention'))");
      expect(await runRetention(pool, { now: NOW })).not.toBeNull();
    } finally {
      holder.release();
    }
  });

  it('removes silent observers with their coverage, and keeps those still reporting', async () => {
    await pool.query(
      `insert into public.validation_observers (observer, subject, cohort, browser, last_batch_at, seen_through_ms) values
         ('gone', 'u1', 'shadow', 'chrome', to_timestamp($1 / 1000.0), $1), ('here', 'u2', 'shadow', 'chrome', to_timestamp($2 / 1000.0), $2)`,
      [NOW - 4 * DAY, NOW - 60_000],
    );
    await pool.query(
      `insert into public.validation_coverage (observer, transport, lane, from_ms, to_ms, until_ms) values
         ('gone', 'legacy', 'primary', $1, $1, $1), ('here', 'legacy', 'primary', $2, null, $2)`,
      [NOW - 4 * DAY, NOW - 60_000],
    );
    await runRetention(pool, { now: NOW });
    expect((await pool.query('select observer from public.validation_observers')).rows).toEqual([{ observer: 'here' }]);
    expect((await pool.query('select observer from public.validation_coverage')).rows).toEqual([{ observer: 'here' }]);
  });
});
