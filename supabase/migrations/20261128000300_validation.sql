-- Parallel-run validation: raw delivery samples from observers (browser tabs in the
-- shadow/realtime cohorts and the headless probe), per-minute analysis windows, the
-- discrepancy log with both payloads, ignore rules, and migration gate runs.
-- Server-only: RLS on, no API-role access.

create table public.validation_samples (
  id bigint generated always as identity primary key,
  batch_at timestamptz not null default now(),
  observer text not null,
  cohort text not null,
  browser text not null,
  event_id uuid not null,
  event_seq bigint not null,
  stream text not null check (stream in ('cache_metrics', 'system_events')),
  transport text not null check (transport in ('legacy', 'realtime')),
  lane text not null check (lane in ('primary', 'shadow', 'baseline')),
  emitted_ms bigint not null,
  received_ms bigint not null,
  digest text not null,
  seq integer not null,
  payload jsonb,
  peer_payload jsonb
);
create index validation_samples_emitted_idx on public.validation_samples (emitted_ms);

create table public.validation_errors (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  observer text not null,
  cohort text not null,
  browser text not null,
  legacy_errors integer not null default 0,
  realtime_errors integer not null default 0,
  legacy_deliveries integer not null default 0,
  realtime_deliveries integer not null default 0
);
create index validation_errors_at_idx on public.validation_errors (at);

create table public.validation_windows (
  minute timestamptz not null,
  cohort text not null,
  browser text not null,
  counts jsonb not null,
  latency_legacy integer[] not null,
  latency_realtime integer[] not null,
  analyzed_at timestamptz not null default now(),
  primary key (minute, cohort, browser)
);

create table public.validation_discrepancies (
  id bigint generated always as identity primary key,
  detected_at timestamptz not null default now(),
  minute timestamptz not null,
  observer text not null,
  cohort text not null,
  browser text not null,
  kind text not null check (kind in ('mismatch', 'missing_candidate', 'missing_control')),
  stream text not null,
  event_id uuid not null,
  event_seq bigint not null,
  control_payload jsonb,
  candidate_payload jsonb,
  ignored_by bigint,
  unique (observer, event_id, kind)
);
create index validation_discrepancies_minute_idx on public.validation_discrepancies (minute desc);

create table public.validation_ignore_rules (
  id bigint generated always as identity primary key,
  kind text not null check (kind in ('mismatch', 'missing_candidate', 'missing_control')),
  stream text check (stream in ('cache_metrics', 'system_events')),
  reason text not null check (char_length(reason) between 3 and 500),
  created_by text not null,
  created_at timestamptz not null default now(),
  active boolean not null default true
);

create table public.validation_progress (
  id smallint primary key default 1 check (id = 1),
  analyzed_until timestamptz not null
);

alter table public.validation_samples enable row level security;
alter table public.validation_errors enable row level security;
alter table public.validation_windows enable row level security;
alter table public.validation_discrepancies enable row level security;
alter table public.validation_ignore_rules enable row level security;
alter table public.validation_progress enable row level security;
revoke all on public.validation_samples, public.validation_errors, public.validation_windows, public.validation_discrepancies,
  public.validation_ignore_rules, public.validation_progress from anon, authenticated;
