import type pg from 'pg';

/**
 * The suite's own tables (realtime-protocol.md §9 needs each kind): a default-identity
 * table with the column types of item 40, a REPLICA IDENTITY FULL table, an RLS table,
 * an unpublished table, a table for > 1 MB rows, and `markers` — the positive marker
 * every "X is not delivered" assertion waits for (same publication, same commit order).
 */
const SCHEMA_SQL = `
create table public.todos (
  id int primary key,
  name text,
  done boolean not null default false,
  meta jsonb,
  tags int4[],
  big int8,
  status text,
  note text
);
create table public.todos_full (id int primary key, name text, done boolean not null default false);
alter table public.todos_full replica identity full;

create table public.rls_notes (id int primary key, owner uuid not null, body text);
alter table public.rls_notes replica identity full;
alter table public.rls_notes enable row level security;
create policy "owners read their notes" on public.rls_notes for select to authenticated using (owner = auth.uid());

create table public.unpublished (id int primary key, name text);
create table public.big_rows (id int primary key, name text, blob text);
create table public.markers (id int primary key, label text);

grant select on public.todos, public.todos_full, public.rls_notes, public.unpublished, public.big_rows, public.markers to anon, authenticated;
grant all on public.todos, public.todos_full, public.rls_notes, public.unpublished, public.big_rows, public.markers to service_role;
alter publication supabase_realtime add table public.todos, public.todos_full, public.rls_notes, public.big_rows, public.markers;
`;

export async function createConformanceSchema(pool: pg.Pool): Promise<void> {
  await pool.query(SCHEMA_SQL);
}
