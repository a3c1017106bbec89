import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '@/lib/db/create-pool';
import { waitFor } from '@/test-support/wait-for';
import { startThrowawayPostgres, tolerateShutdown, type ThrowawayPostgres } from '@/test-support/throwaway-postgres';

let postgres: ThrowawayPostgres;
let killer: pg.Pool;

beforeAll(async () => {
  postgres = await startThrowawayPostgres({ seed: false });
  killer = tolerateShutdown(createPool({ connectionString: postgres.databaseUrl, max: 1 }, () => undefined));
});

afterAll(async () => {
  await killer?.end();
  await postgres?.stop();
});

const terminate = (pid: number) => killer.query('select pg_terminate_backend($1)', [pid]);
const backendPid = async (client: pg.PoolClient | pg.Pool) => (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;

describe('createPool', () => {
  it('reports an idle connection that died and reconnects on the next query', async () => {
    const lost: string[] = [];
    const pool = createPool({ connectionString: postgres.databaseUrl, max: 1 }, (error) => lost.push(error.message));
    try {
      await terminate(await backendPid(pool));
      await waitFor(async () => lost.length > 0, 'the lost idle connection to be reported');
      expect(lost[0]).toMatch(/terminating connection/);
      expect((await pool.query<{ one: number }>('select 1 as one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
  });

  it('survives a checked-out client losing its connection mid-transaction: the query fails, the pool recovers', async () => {
    const pool = createPool({ connectionString: postgres.databaseUrl, max: 1 }, () => undefined);
    try {
      const client = await pool.connect();
      await client.query('begin');
      const pid = await backendPid(client);
      const ended = new Promise((resolve) => client.once('end', resolve));
      await terminate(pid);
      await ended;
      await expect(client.query('select 1')).rejects.toThrow();
      await client.query('rollback').catch(() => undefined);
      client.release();
      expect(await backendPid(pool)).not.toBe(pid);
    } finally {
      await pool.end();
    }
  });
});
