-- A verdict no single viewer can steer (issue 10). Observers belong to a subject (the
-- signed-in user, or the probe), report when each of their lanes was live (coverage), and
-- have their evidence checked against the stored rows. Windows are kept per subject so
-- gates can bound each user's influence; impossible batches are counted per caller;
-- outliers are quarantined until an admin looks; the gate runner keeps its streak of
-- breaches so a breach must persist before it acts.

-- Who owns an observer id (the first caller that used it), and how far its evidence reaches.
create table public.validation_observers (
  observer text primary key,
  subject text not null check (char_length(subject) between 1 and 128),
  trusted boolean not null default false,
  cohort text not null,
  browser text not null,
  first_seen timestamptz not null default now(),
  last_batch_at timestamptz not null default now(),
  -- Server clock (ms): every live delivery up to here has been reported. Coverage never
  -- reaches past it, whatever the observer claims.
  seen_through_ms bigint not null default 0
);
create index validation_observers_subject_idx on public.validation_observers (subject);

create table public.validation_coverage (
  observer text not null references public.validation_observers (observer) on delete cascade,
  transport text not null check (transport in ('legacy', 'realtime')),
  lane text not null check (lane in ('primary', 'shadow', 'fallback', 'baseline')),
  from_ms bigint not null,
  to_ms bigint,
  primary key (observer, transport, lane, from_ms),
  check (to_ms is null or to_ms >= from_ms)
);
create index validation_coverage_to_idx on public.validation_coverage (coalesce(to_ms, 9223372036854775807));

alter table public.validation_samples drop constraint validation_samples_lane_check;
alter table public.validation_samples add constraint validation_samples_lane_check check (lane in ('primary', 'shadow', 'fallback', 'baseline'));

alter table public.validation_errors add column subject text not null default 'unknown';
alter table public.validation_errors add column recovered_replay integer not null default 0;
alter table public.validation_errors add column recovered_history integer not null default 0;

-- Windows become per subject; windows analysed by the old engine (no coverage, no source
-- check) are not comparable with the new ones and are dropped with the progress mark.
delete from public.validation_windows;
delete from public.validation_discrepancies;
delete from public.validation_progress;
alter table public.validation_windows add column subject text not null default 'unknown';
alter table public.validation_windows add column trusted boolean not null default false;
alter table public.validation_windows drop constraint validation_windows_pkey;
alter table public.validation_windows add primary key (minute, cohort, browser, subject);

alter table public.validation_discrepancies add column subject text not null default 'unknown';
alter table public.validation_discrepancies drop constraint validation_discrepancies_kind_check;
alter table public.validation_discrepancies add constraint validation_discrepancies_kind_check
  check (kind in ('mismatch', 'missing_candidate', 'missing_control', 'control_mismatch', 'observer_disagrees'));
alter table public.validation_ignore_rules drop constraint validation_ignore_rules_kind_check;
alter table public.validation_ignore_rules add constraint validation_ignore_rules_kind_check
  check (kind in ('mismatch', 'missing_candidate', 'missing_control', 'control_mismatch', 'observer_disagrees'));

-- Batches refused as impossible, per caller and reason.
create table public.validation_rejections (
  subject text not null,
  code text not null,
  count integer not null default 0,
  last_at timestamptz not null default now(),
  last_message text not null,
  primary key (subject, code)
);

-- Subjects whose evidence stands far outside the rest: excluded from the gates until an admin releases them.
create table public.validation_quarantine (
  subject text primary key,
  since timestamptz not null default now(),
  reason text not null,
  released_at timestamptz,
  released_by text
);

-- The gate runner's memory between ticks: the breach streak of the current stage.
create table public.gate_runner_state (
  id smallint primary key default 1 check (id = 1),
  stage text not null,
  stage_since timestamptz not null,
  -- The analysed-until mark of the last measurement counted (one measurement per newly analysed minute).
  measured_until timestamptz,
  consecutive_failures integer not null default 0,
  consecutive_inconclusive integer not null default 0,
  paused_reason text,
  paused_at timestamptz
);

alter table public.validation_observers enable row level security;
alter table public.validation_coverage enable row level security;
alter table public.validation_rejections enable row level security;
alter table public.validation_quarantine enable row level security;
alter table public.gate_runner_state enable row level security;
revoke all on public.validation_observers, public.validation_coverage, public.validation_rejections, public.validation_quarantine,
  public.gate_runner_state from anon, authenticated;
