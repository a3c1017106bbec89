import pg from 'pg';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../throwaway-postgres.js';
import { createPostgresChanges, type PostgresChangesExtension } from '../../servers/local-supabase/realtime/postgres-changes/postgres-changes.js';
import { recordingSubscriber, type RecordingSubscriber } from './recording-subscriber.js';

/** Tables the extension tests create for themselves (published unless named `unpublished`). */
const SCHEMA_SQL = `
create table public.pc_items (id int primary key, name text, done boolean not null default false, meta jsonb, tags int4[],
  big int8, price numeric, at timestamptz, raw bytea, status text, note text, day date);
create table public.pc_full (id int primary key, name text);
alter table public.pc_full replica identity full;
create table public.pc_notes (id int primary key, owner uuid not null, body text);
alter table public.pc_notes replica identity full;
alter table public.pc_notes enable row level security;
create policy "owners read their notes" on public.pc_notes for select to authenticated using (owner = auth.uid());
create table public.pc_open (id int primary key, body text);
alter table public.pc_open enable row level security;
create policy "signed-in users read" on public.pc_open for select to authenticated using (true);
create table public.pc_unpublished (id int primary key);
create table public.pc_markers (id int primary key);
create schema pc_scope;
grant usage on schema pc_scope to anon, authenticated, service_role;
create table pc_scope.a (id int primary key);
create table pc_scope.b (id int primary key);
create table pc_scope.unpublished (id int primary key);
grant select on all tables in schema public, pc_scope to anon, authenticated, service_role;
alter publication supabase_realtime add table public.pc_items, public.pc_full, public.pc_notes, public.pc_open, public.pc_markers, pc_scope.a, pc_scope.b;
`;

export const MARKER_BINDING = { event: 'INSERT', schema: 'public', table: 'pc_markers', id: 999_999 } as const;

export interface ExtensionFixture {
  db: ThrowawayPostgres;
  pool: pg.Pool;
  extension: PostgresChangesExtension;
  logs: string[];
  /** `n` ids never used before in this file. */
  ids(n: number): number[];
  sql(text: string, values?: unknown[]): Promise<pg.QueryResult>;
  /** Subscribes (with the marker binding appended) and waits for the ok status. */
  subscribe(bindings: Parameters<typeof recordingSubscriber>[0], claims?: Parameters<typeof recordingSubscriber>[1]): Promise<RecordingSubscriber>;
  /** Commits a marker row and waits until every given subscriber has received it. */
  settle(...subscribers: RecordingSubscriber[]): Promise<void>;
  recreate(): Promise<void>;
  close(): Promise<void>;
}

export async function startExtensionFixture(slotName: string): Promise<ExtensionFixture> {
  const db = await startThrowawayPostgres({ seed: false });
  const pool = new pg.Pool({ connectionString: db.databaseUrl, max: 3 });
  pool.on('error', () => undefined);
  await pool.query(SCHEMA_SQL);
  const logs: string[] = [];
  const start = () => createPostgresChanges({ databaseUrl: db.databaseUrl, slotName, onLog: (line) => logs.push(line) });
  let extension = await start();
  await extension.ready;
  let nextId = 1;
  const fixture: ExtensionFixture = {
    db,
    pool,
    get extension() {
      return extension;
    },
    logs,
    ids(n) {
      const ids = Array.from({ length: n }, (_unused, index) => nextId + index);
      nextId += n;
      return ids;
    },
    sql: (text, values) => pool.query(text, values),
    async subscribe(bindings, claims) {
      const recorder = recordingSubscriber([...bindings, MARKER_BINDING], claims);
      extension.subscribe(recorder.subscriber);
      const status = await recorder.nextStatus();
      if (status.status !== 'ok') throw new Error(`subscribe failed: ${status.message}`);
      return recorder;
    },
    async settle(...subscribers) {
      const [id] = fixture.ids(1) as [number];
      await pool.query('insert into public.pc_markers (id) values ($1)', [id]);
      for (const subscriber of subscribers) await subscriber.waitFor((frame) => frame.data.table === 'pc_markers' && frame.data.record?.id === id);
    },
    async recreate() {
      await extension.close();
      extension = await start();
      await extension.ready;
    },
    async close() {
      await extension.close();
      await pool.end();
      await db.stop();
    },
  };
  return fixture;
}
