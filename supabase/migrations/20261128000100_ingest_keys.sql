-- Bearer keys for the ingest API. Only the sha256 of a key is stored; the server looks a
-- caller up by that hash. Server-only: RLS on, no API-role access.

create table public.ingest_keys (
  id bigint generated always as identity primary key,
  name text not null check (char_length(name) between 1 and 100),
  key_hash text not null unique check (key_hash ~ '^[0-9a-f]{64}$'),
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  -- Requests per second (token bucket refill; the burst is twice this).
  rate_limit_per_s integer not null default 50 check (rate_limit_per_s between 1 and 100000)
);

alter table public.ingest_keys enable row level security;
revoke all on public.ingest_keys from anon, authenticated;
