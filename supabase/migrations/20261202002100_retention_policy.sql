-- Issue 15: how long each table keeps its rows. Enforced by the worker (lib/retention,
-- one process at a time under an advisory lock) with bounded batched deletes; see
-- docs/runbook.md "Data lifecycle". Change a period with an UPDATE; it applies on the next tick.
create table public.retention_policy (
  table_name text primary key check (table_name in (
    'cache_metrics', 'system_events', 'cache_metrics_1m', 'cache_metrics_1h',
    'validation_samples', 'validation_errors', 'validation_coverage', 'validation_observers',
    'validation_windows', 'validation_discrepancies', 'rollout_audit')),
  keep interval not null check (keep >= interval '1 hour'),
  updated_at timestamptz not null default now(),
  -- What the last run did (for the runbook's "is retention keeping up?").
  last_run_at timestamptz,
  last_deleted bigint not null default 0,
  -- More rows were due than one run may delete; the next run continues.
  behind boolean not null default false
);

insert into public.retention_policy (table_name, keep) values
  ('cache_metrics', interval '7 days'),
  ('system_events', interval '7 days'),
  ('cache_metrics_1m', interval '30 days'),
  ('cache_metrics_1h', interval '400 days'),
  ('validation_samples', interval '3 days'),
  ('validation_errors', interval '3 days'),
  ('validation_coverage', interval '3 days'),
  ('validation_observers', interval '3 days'),
  ('validation_windows', interval '90 days'),
  ('validation_discrepancies', interval '90 days'),
  ('rollout_audit', interval '400 days');

-- Observers are removed after their silence; coverage goes with them (on delete cascade).
create index validation_observers_last_batch_idx on public.validation_observers (last_batch_at);

alter table public.retention_policy enable row level security;
revoke all on public.retention_policy from anon, authenticated;
grant all on public.retention_policy to service_role;
