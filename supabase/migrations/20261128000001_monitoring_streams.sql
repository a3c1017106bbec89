-- Schema v1: the two streams the dashboard shows. Each row gets its durable identity at
-- ingest (id = per-stream sequence, event_id = uuid, emitted_at = server time) before it
-- leaves on either transport, so both feeds can be joined event by event.

create table public.cache_metrics (
  id bigint generated always as identity primary key,
  event_id uuid not null unique,
  emitted_at timestamptz not null default now(),
  source text not null check (char_length(source) between 1 and 100),
  cache_name text not null check (char_length(cache_name) between 1 and 100),
  window_seconds real not null default 1 check (window_seconds > 0 and window_seconds <= 3600),
  hits bigint not null check (hits >= 0),
  misses bigint not null check (misses >= 0),
  hit_ratio double precision not null check (hit_ratio >= 0 and hit_ratio <= 1),
  evictions bigint not null check (evictions >= 0),
  keys bigint not null check (keys >= 0),
  memory_bytes bigint not null check (memory_bytes >= 0),
  ops_per_sec double precision not null check (ops_per_sec >= 0),
  p50_latency_ms double precision not null check (p50_latency_ms >= 0),
  p99_latency_ms double precision not null check (p99_latency_ms >= 0),
  check (p99_latency_ms >= p50_latency_ms)
);
create index cache_metrics_cache_emitted_idx on public.cache_metrics (cache_name, emitted_at desc);
create index cache_metrics_emitted_idx on public.cache_metrics (emitted_at desc);

create table public.system_events (
  id bigint generated always as identity primary key,
  event_id uuid not null unique,
  emitted_at timestamptz not null default now(),
  source text not null check (char_length(source) between 1 and 100),
  level text not null check (level in ('debug', 'info', 'warn', 'error', 'critical')),
  kind text not null check (kind ~ '^[a-z][a-z0-9_.-]{0,63}$'),
  cache_name text check (cache_name is null or char_length(cache_name) between 1 and 100),
  message text not null check (char_length(message) between 1 and 2000),
  attributes jsonb not null default '{}'::jsonb check (jsonb_typeof(attributes) = 'object')
);
create index system_events_emitted_idx on public.system_events (emitted_at desc);
create index system_events_level_idx on public.system_events (level, id desc);

-- Reads: any signed-in user. Writes: nobody through the API roles; only the server's own
-- connection (table owner / service role) inserts, after validating the batch.
alter table public.cache_metrics enable row level security;
alter table public.system_events enable row level security;

create policy "signed-in users read cache metrics" on public.cache_metrics
  for select to authenticated using (true);
create policy "signed-in users read system events" on public.system_events
  for select to authenticated using (true);

revoke all on public.cache_metrics, public.system_events from anon, authenticated;
grant select on public.cache_metrics, public.system_events to authenticated;
grant all on public.cache_metrics, public.system_events to service_role;

alter publication supabase_realtime add table public.cache_metrics, public.system_events;
