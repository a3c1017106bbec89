import { setTimeout as delay } from 'node:timers/promises';
import type pg from 'pg';
import { EventLog } from './event-log.js';

/** Keeps committing `public.todos` rows, one transaction each, through faults. */
export interface RowWriter {
  /** Ids in commit order (each insert acknowledged by Postgres). */
  committed: EventLog<number>;
  /** The id the next insert will use: every row from it on starts after this call. */
  nextId(): number;
  /** Stops after the insert in flight and resolves when it is done. */
  stop(): Promise<void>;
}

const UNIQUE_VIOLATION = '23505';

/** Paces inserts `intervalMs` apart (a rate, not a wait for a condition). */
export function startRowWriter(pool: pg.Pool, ids: readonly number[], intervalMs = 20): RowWriter {
  const committed = new EventLog<number>('committed rows');
  let index = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped && index < ids.length) {
      const id = ids[index] as number;
      index += 1;
      await insertTodoRow(pool, id);
      committed.push(id);
      await delay(intervalMs);
    }
  })();
  return {
    committed,
    nextId: () => ids[index] as number,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/**
 * Inserts a `public.todos` row, retrying while Postgres is restarting; a unique violation on
 * a retry means the earlier attempt did commit, which is what we wanted.
 */
export async function insertTodoRow(pool: pg.Pool, id: number): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await pool.query('insert into public.todos (id, name) values ($1, $2)', [id, 'stream']);
      return;
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION && attempt > 1) return;
      if (attempt >= 50) throw new Error(`conformance: insert of row ${id} kept failing`, { cause: error });
      await delay(100);
    }
  }
}
