import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startThrowawayPostgres, type ThrowawayPostgres } from './throwaway-postgres.js';

describe('throwaway Postgres', () => {
  let db: ThrowawayPostgres;
  beforeAll(async () => {
    db = await startThrowawayPostgres();
  });
  afterAll(async () => {
    await db?.stop();
  });

  it('is bootstrapped like a Supabase project, migrated and seeded', async () => {
    const client = new pg.Client({ connectionString: db.databaseUrl });
    await client.connect();
    try {
      const wal = await client.query<{ wal_level: string }>('show wal_level');
      expect(wal.rows[0]?.wal_level).toBe('logical');
      const tables = await client.query<{ tablename: string }>(
        "select tablename from pg_publication_tables where pubname = 'supabase_realtime' order by tablename",
      );
      expect(tables.rows.map((row) => row.tablename)).toEqual(['cache_metrics', 'system_events']);
      const migrations = await client.query('select version, name from supabase_migrations.schema_migrations');
      expect(migrations.rowCount).toBeGreaterThan(0);
      const users = await client.query<{ email: string }>("select email from auth.users order by email");
      expect(users.rows.map((row) => row.email)).toEqual(['admin@switchyard.local', 'ops@switchyard.local', 'viewer@switchyard.local']);
    } finally {
      await client.end();
    }
  });

  it('keeps RLS on: an authenticated reader sees rows, anon sees none and cannot write', async () => {
    const client = new pg.Client({ connectionString: db.databaseUrl });
    await client.connect();
    try {
      await client.query(
        "insert into public.system_events (event_id, source, level, kind, message) values (gen_random_uuid(), 'test', 'info', 'test.ping', 'hello')",
      );
      await client.query('begin');
      await client.query("set local role authenticated; select set_config('request.jwt.claims', '{\"role\":\"authenticated\"}', true)");
      expect((await client.query('select * from public.system_events')).rowCount).toBe(1);
      await expect(
        client.query("insert into public.system_events (event_id, source, level, kind, message) values (gen_random_uuid(), 'x', 'info', 'x', 'x')"),
      ).rejects.toThrow(/permission denied/);
      await client.query('rollback');
      await client.query('begin');
      await client.query('set local role anon');
      await expect(client.query('select * from public.system_events')).rejects.toThrow(/permission denied/);
      await client.query('rollback');
    } finally {
      await client.end();
    }
  });

  it('survives a restart with its data', async () => {
    await db.restart();
    const client = new pg.Client({ connectionString: db.databaseUrl });
    await client.connect();
    try {
      expect((await client.query('select 1 from public.system_events')).rowCount).toBe(1);
    } finally {
      await client.end();
    }
  });
});
