import { readFile } from 'node:fs/promises';
import pg from 'pg';

/** Linux reports process times in clock ticks of 1/100 s (USER_HZ). */
const TICKS_PER_SECOND = 100;

/** CPU ticks per process id at one reading. */
export type PostgresTicks = Map<number, number>;

/**
 * CPU time of a Postgres cluster's processes (postmaster, walsender, backends, background
 * workers), read from /proc for every process `pg_stat_activity` lists. Between two readings
 * a process counts with what it used in between (all of it if it is new); one that exited in
 * between is not counted — the benchmarks' pools are long-lived.
 */
export class PostgresCpu {
  private readonly pool: pg.Pool;

  /** CPU seconds used between two readings. */
  static between(before: PostgresTicks, after: PostgresTicks): number {
    let ticks = 0;
    for (const [pid, used] of after) ticks += used - (before.get(pid) ?? 0);
    return ticks / TICKS_PER_SECOND;
  }

  constructor(databaseUrl: string) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    this.pool.on('error', () => undefined);
  }

  async read(): Promise<PostgresTicks> {
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
    return counted;
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
