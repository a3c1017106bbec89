import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { db } from '@/lib/db/pool';
import { freshRun, MINUTE, pipelineDatabase, probeReports, recentMinutes, storeEventsIn } from '@/test-support/validation-pipeline';
import { analyzeClosedMinutes } from '@/lib/validation/store/window-analysis';

// Review of issue 10: the analysis worker's cost as the coverage table grows. Nothing ever
// deletes observers or coverage, and every tab, cohort switch, hidden/visible flip and lost
// batch adds intervals (a viewer can add 64 per batch, 50 batches/s). nextMinute() and
// loadObservers() filter on coalesce(c.to_ms, o.seen_through_ms) — across the join, so no
// index applies (validation_coverage_to_idx is on coalesce(to_ms, max bigint)) — and
// intervals left open by tabs that died without their last report never leave the scan.

const databaseUrl = pipelineDatabase();

async function coverageTuplesRead(): Promise<number> {
  const { rows } = await db().query<{ n: string }>(
    "select coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) as n from pg_stat_user_tables where schemaname = 'public' and relname = 'validation_coverage'",
  );
  return Number(rows[0]?.n ?? 0);
}

describe('review: analysing a minute does not scan every coverage interval ever stored', () => {
  it('with 200,000 intervals from observers long gone, analysing one new minute reads a small part of them', { timeout: 120_000 }, async () => {
    await freshRun([{ type: 'set-stage', stage: '50' }]);
    const [minute] = recentMinutes(1) as [number];
    // Three days of tab life: 50,000 observers, 4 intervals each — 3 closed, 1 left open by a tab that was killed.
    const old = minute - 3 * 24 * 60 * MINUTE;
    await db().query(
      `insert into public.validation_observers (observer, subject, trusted, cohort, browser, first_seen, last_batch_at, seen_through_ms)
       select 'tab-old-' || i, 'user-' || (i % 500), false, 'shadow', 'chrome', to_timestamp(($1::bigint + i * 5000) / 1000.0), to_timestamp(($1::bigint + i * 5000 + 60000) / 1000.0), $1::bigint + i * 5000 + 60000
         from generate_series(1, 50000) i`,
      [old],
    );
    await db().query(
      // until_ms as the samples API keeps it: the interval's end, or (open) what its observer last vouched for.
      `insert into public.validation_coverage (observer, transport, lane, from_ms, to_ms, until_ms)
       select 'tab-old-' || i, t.transport, t.lane, $1::bigint + i * 5000 + k * 1000, case when k < 3 then $1::bigint + i * 5000 + k * 1000 + 500 else null end,
              case when k < 3 then $1::bigint + i * 5000 + k * 1000 + 500 else $1::bigint + i * 5000 + 60000 end
         from generate_series(1, 50000) i, generate_series(0, 3) k, (values ('legacy', 'primary')) t(transport, lane)`,
      [old],
    );
    await db().query('analyze public.validation_coverage, public.validation_observers');
    // Everything up to this minute was analysed long ago.
    await db().query('insert into public.validation_progress (id, analyzed_until) values (1, to_timestamp($1 / 1000.0))', [minute]);
    const events = await storeEventsIn(minute, 200);
    await probeReports(events, minute);

    const before = await coverageTuplesRead();
    // A pool of its own, closed afterwards: a backend's table statistics are flushed when it exits.
    const worker = new pg.Pool({ connectionString: databaseUrl(), max: 2 });
    expect((await analyzeClosedMinutes(worker, { now: Date.now() + 3 * MINUTE, maxMinutes: 1 })).minutes).toBe(1);
    await worker.end();
    let read = 0;
    for (let i = 0; i < 50 && read === 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      read = (await coverageTuplesRead()) - before;
    }
    expect(read).toBeGreaterThan(0);
    // Today: three full scans (nextMinute twice, loadObservers once) — ≥ 600,000 tuples for one minute of 1 observer.
    expect(read).toBeLessThan(20_000);
  });
});
