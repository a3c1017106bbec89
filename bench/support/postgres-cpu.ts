import { readFile } from 'node:fs/promises';
import pg from 'pg';

/** Linux reports process times in clock ticks of 1/100 s (USER_HZ). */
const TICKS_PER_SECOND = 100;

/**
 * CPU time of a Postgres cluster's processes (postmaster, walsender, backends, background
 * workers), read from /proc for every process `pg_stat_activity` lists. Connections that
 * came and went between two readings are not counted; the benchmarks' pools are long-lived.
 */
export class PostgresCpu {
  private readonly pool: pg.Pool;

  constructor(databaseUrl: string) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    this.pool.on('error', () => undefined);
  }

  async seconds(): Promise<number> {
    const { rows } = await this.pool.query<{ pid: number }>('select pid from pg_stat_activity');
    const listed = new Set(rows.map((row) => row.pid));
    const counted = new Map<number, number>();
    for (const pid of listed) {
      const fields = await procStat(pid);
      if (!fields) continue;
      counted.set(pid, fields.utime + fields.stime);
      // The postmaster is every listed process's parent but not listed itself.
      if (!listed.has(fields.ppid) && !counted.has(fields.ppid)) {
        const parent = await procStat(fields.ppid);
        if (parent) counted.set(fields.ppid, parent.utime + parent.stime);
      }
    }
    return [...counted.values()].reduce((sum, ticks) => sum + ticks, 0) / TICKS_PER_SECOND;
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

async function procStat(pid: number): Promise<{ ppid: number; utime: number; stime: number } | undefined> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!text) return undefined;
  // Fields after the parenthesised command name: state ppid … utime(14) stime(15).
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(fields[1]), utime: Number(fields[11]), stime: Number(fields[12]) };
}
