-- Rollout state: one config row (versioned), an append-only audit log, and the subjects
-- the app has seen (for blast-radius previews). Server-only: RLS on, no API-role access.

create table public.rollout_config (
  id smallint primary key default 1 check (id = 1),
  version integer not null check (version >= 1),
  config jsonb not null check (jsonb_typeof(config) = 'object'),
  updated_at timestamptz not null default now()
);

create table public.rollout_audit (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  actor_id text,
  actor_email text not null,
  action text not null check (char_length(action) between 1 and 500),
  reason text not null check (char_length(reason) between 1 and 500),
  automatic boolean not null default false,
  from_version integer,
  to_version integer not null,
  before jsonb,
  after jsonb not null
);
create index rollout_audit_at_idx on public.rollout_audit (at desc);

create table public.rollout_subjects (
  user_id text primary key,
  email text,
  role text not null check (role in ('admin', 'viewer', 'anonymous')),
  segment text,
  browser text not null,
  last_cohort text not null check (last_cohort in ('legacy', 'shadow', 'realtime')),
  last_config_version integer not null,
  first_seen timestamptz not null default now(),
  last_seen timestamptz not null default now()
);
create index rollout_subjects_email_idx on public.rollout_subjects (lower(email));

alter table public.rollout_config enable row level security;
alter table public.rollout_audit enable row level security;
alter table public.rollout_subjects enable row level security;
revoke all on public.rollout_config, public.rollout_audit, public.rollout_subjects from anon, authenticated;

-- Every config change wakes the app's in-memory caches (LISTEN rollout_config).
create function public.notify_rollout_config() returns trigger
language plpgsql as $$
begin
  perform pg_notify('rollout_config', new.version::text);
  return new;
end
$$;

create trigger rollout_config_notify after insert or update on public.rollout_config
  for each row execute function public.notify_rollout_config();
