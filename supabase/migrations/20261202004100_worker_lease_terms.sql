-- The worker's leader lease as a term that survives a Postgres restart or failover (review
-- M3). The advisory lock alone vanishes with the session, so a follower could lead while the
-- old leader, cut off from the database, still ran its jobs through its reclaim window. A
-- leader renews its term on every check; a new holder may start only once the previous
-- holder's term has run out, and the old leader stops its jobs before that moment by its own
-- clock. `epoch` counts changes of holder (a fencing token for jobs that want one).
-- Server-only: RLS on, no API-role access.

create table public.worker_leases (
  name text primary key check (char_length(name) between 1 and 200),
  holder text not null check (char_length(holder) between 1 and 100),
  epoch bigint not null default 1,
  expires_at timestamptz not null
);

alter table public.worker_leases enable row level security;
revoke all on public.worker_leases from anon, authenticated;
