import type pg from 'pg';

/** Messages older than this are dropped with their day's partition (upstream: 72 hours). */
export const RETENTION_HOURS = 72;
const DAY_MS = 86_400_000;

/** `messages_YYYY_MM_DD` for the UTC day of `at`. */
export function partitionName(at: Date): string {
  return `messages_${at.toISOString().slice(0, 10).replaceAll('-', '_')}`;
}

/**
 * Keeps `realtime.messages` partitioned by UTC day, as Realtime's janitor does: partitions from
 * yesterday to three days ahead exist; partitions of days before `now − 72 h` are dropped.
 */
export async function maintainPartitions(pool: pg.Pool, now = new Date()): Promise<{ created: string[]; dropped: string[] }> {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const created: string[] = [];
  for (let offset = -1; offset <= 3; offset += 1) {
    const start = new Date(today + offset * DAY_MS);
    const end = new Date(start.getTime() + DAY_MS);
    const name = partitionName(start);
    const { rowCount } = await pool.query('select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relname = $2', ['realtime', name]);
    if (rowCount) continue;
    try {
      await pool.query(
        `create table if not exists realtime.${name} partition of realtime.messages for values from ('${start.toISOString().slice(0, 10)}') to ('${end.toISOString().slice(0, 10)}')`,
      );
      await pool.query(`alter table realtime.${name} owner to supabase_realtime_admin`);
      created.push(name);
    } catch (error) {
      // Another Realtime process made it in between.
      if ((error as { code?: string }).code !== '42P07') throw error;
    }
  }
  const cutoffDay = new Date(now.getTime() - RETENTION_HOURS * 3_600_000).toISOString().slice(0, 10);
  const { rows } = await pool.query<{ name: string }>(
    `select child.relname as name from pg_inherits
       join pg_class parent on parent.oid = pg_inherits.inhparent
       join pg_class child on child.oid = pg_inherits.inhrelid
       join pg_namespace ns on ns.oid = parent.relnamespace
      where ns.nspname = 'realtime' and parent.relname = 'messages'`,
  );
  const dropped: string[] = [];
  for (const { name } of rows) {
    const match = /^messages_(\d{4})_(\d\d)_(\d\d)$/.exec(name);
    if (!match) continue;
    if (`${match[1]}-${match[2]}-${match[3]}` >= cutoffDay) continue;
    await pool.query(`drop table if exists realtime.${name}`);
    dropped.push(name);
  }
  return { created, dropped };
}
