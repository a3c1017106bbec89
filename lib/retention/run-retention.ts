import 'server-only';
import type pg from 'pg';
import { isRetainedTable, RETAINED_TABLES, type RetainedTable } from '@/lib/retention/retained-tables';

export interface RetentionRun {
  /** Rows deleted per table in this run. */
  deleted: Partial<Record<RetainedTable, number>>;
  /** Tables not finished when the budget ran out (more rows due, or not reached): the next run continues. */
  behind: RetainedTable[];
  batches: number;
}

export interface RetentionOptions {
  /** The clock (ms); virtual time in tests and the soak benchmark. */
  now?: number;
  /** Rows per delete statement: each is its own short transaction. */
  batchRows?: number;
  /** Stop starting batches after this long; the next tick continues. */
  budgetMs?: number;
  /**
   * Rows per second deleted from tables in the `supabase_realtime` publication (2,000).
   * Each deleted published row is a change the Realtime server decodes and drops on the slot
   * that also carries live rows: flat out (~100k rows/s here) that took delivery p99 from
   * ~120 to ~600 ms. Paced, a run's budget still clears ≥ 4,000 such rows a minute (5.7 M a
   * day; the simulator's default writes ~1.8 M). Other tables are not paced.
   */
  publishedRowsPerSecond?: number;
}

const LOCK = 'switchyard:retention';
const PUBLISHED = "select tablename from pg_catalog.pg_publication_tables where pubname = 'supabase_realtime' and schemaname = 'public'";

type Due = { table: RetainedTable; cutoff: number; paced: boolean };

/**
 * Deletes rows older than their table's period (`public.retention_policy`) in bounded
 * batches — one short transaction each, round-robin over the tables, within a time budget —
 * so ingest, logical replication and Realtime never wait behind one long delete. One process
 * at a time (advisory lock): returns null when another worker holds it.
 */
export async function runRetention(pool: pg.Pool, options: RetentionOptions = {}): Promise<RetentionRun | null> {
  const now = options.now ?? Date.now();
  const batchRows = options.batchRows ?? 5_000;
  const budgetMs = options.budgetMs ?? 2_000;
  const client = await pool.connect();
  try {
    const lock = await client.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtext($1)) as locked', [LOCK]);
    if (!lock.rows[0]?.locked) return null;
    try {
      const policy = await client.query<{ table_name: string; keep_ms: number }>(
        'select table_name, (extract(epoch from keep) * 1000)::bigint as keep_ms from public.retention_policy order by table_name',
      );
      const published = new Set((await client.query<{ tablename: string }>(PUBLISHED)).rows.map((row) => row.tablename));
      const due: Due[] = policy.rows
        .filter((row) => isRetainedTable(row.table_name))
        .map((row) => ({ table: row.table_name as RetainedTable, cutoff: now - Number(row.keep_ms), paced: published.has(row.table_name) }));
      const run: RetentionRun = { deleted: {}, behind: [], batches: 0 };
      const queue = await deleteRoundRobin(client, due, run, { batchRows, budgetMs, publishedRowsPerSecond: options.publishedRowsPerSecond ?? 2_000 });
      // Not reached, or reached with more to delete.
      const pending = queue;
      run.behind = pending.map((entry) => entry.table);
      await client.query(
        `update public.retention_policy p set last_run_at = to_timestamp($1 / 1000.0), last_deleted = coalesce((d.deleted ->> p.table_name)::bigint, 0), behind = p.table_name = any($3::text[])
           from (select $2::jsonb as deleted) d where p.table_name = any($4::text[])`,
        [now, JSON.stringify(run.deleted), run.behind, due.map((entry) => entry.table)],
      );
      return run;
    } finally {
      await client.query('select pg_advisory_unlock(hashtext($1))', [LOCK]);
    }
  } finally {
    client.release();
  }
}

/**
 * Round-robin over the due tables (a table with a backlog takes one batch per turn, so it
 * cannot starve the others) until the budget runs out. Published tables take smaller batches,
 * each only once the previous ones' rows fit the rate; while they wait, the others go on, and
 * when only they are left the run waits for the next slot (inside the budget). Returns the
 * tables not finished.
 */
async function deleteRoundRobin(client: pg.PoolClient, due: Due[], run: RetentionRun, limits: { batchRows: number; budgetMs: number; publishedRowsPerSecond: number }): Promise<Due[]> {
  const started = Date.now();
  const pacedBatch = Math.max(1, Math.min(limits.batchRows, Math.floor(limits.publishedRowsPerSecond / 4)));
  let pacedFreeAt = started;
  const queue = [...due];
  while (queue.length > 0 && (run.batches === 0 || Date.now() - started < limits.budgetMs)) {
    const index = queue.findIndex((entry) => !entry.paced || Date.now() >= pacedFreeAt);
    if (index < 0) {
      const wait = pacedFreeAt - Date.now();
      if (Date.now() + wait - started >= limits.budgetMs) break;
      await new Promise((resolve) => setTimeout(resolve, wait));
      continue;
    }
    const [entry] = queue.splice(index, 1) as [Due];
    const limit = entry.paced ? pacedBatch : limits.batchRows;
    const count = await deleteBatch(client, entry.table, entry.cutoff, limit);
    if (entry.paced) pacedFreeAt = Math.max(pacedFreeAt, Date.now()) + (count / limits.publishedRowsPerSecond) * 1000;
    run.batches += 1;
    run.deleted[entry.table] = (run.deleted[entry.table] ?? 0) + count;
    if (count === limit) queue.push(entry);
  }
  return queue;
}

// By ctid: one index range scan picks the oldest rows, the delete finds them without a
// second lookup. A row updated meanwhile (an observer reporting again) has a new ctid and
// is left alone, which is right: it is no longer idle.
async function deleteBatch(client: pg.PoolClient, table: RetainedTable, cutoffMs: number, limit: number): Promise<number> {
  const { column, unit } = RETAINED_TABLES[table];
  const cutoff = unit === 'ms' ? '$1::bigint' : 'to_timestamp($1::bigint / 1000.0)';
  const result = await client.query(
    `delete from public.${table} where ctid = any(array(select ctid from public.${table} where ${column} < ${cutoff} limit $2))`,
    [cutoffMs, limit],
  );
  return result.rowCount ?? 0;
}
