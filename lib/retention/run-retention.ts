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
}

const LOCK = 'switchyard:retention';

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
      const due = policy.rows.filter((row) => isRetainedTable(row.table_name)).map((row) => ({ table: row.table_name as RetainedTable, cutoff: now - Number(row.keep_ms) }));
      const run: RetentionRun = { deleted: {}, behind: [], batches: 0 };
      const started = Date.now();
      // Round-robin: a table with a backlog takes one batch per turn, so it cannot starve the others.
      const queue = [...due];
      while (queue.length > 0 && (run.batches === 0 || Date.now() - started < budgetMs)) {
        const entry = queue.shift() as (typeof due)[number];
        const count = await deleteBatch(client, entry.table, entry.cutoff, batchRows);
        run.batches += 1;
        run.deleted[entry.table] = (run.deleted[entry.table] ?? 0) + count;
        if (count === batchRows) queue.push(entry);
      }
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
