-- Issue 13: the parallel run keeps one lane per Realtime strategy, so one run compares
-- legacy, postgres_changes and broadcast side by side. Each Realtime sample and coverage
-- interval names the strategy that delivered it; windows and the discrepancy log are kept
-- per strategy. Rows stored before this migration were all judged as one Realtime lane:
-- they read as postgres_changes (the default strategy). Columns only, no new table: the
-- retention policy rows still cover every table.

-- Samples: null on legacy deliveries (and on Realtime rows stored before: postgres_changes).
alter table public.validation_samples add column strategy text
  check (strategy in ('postgres_changes', 'broadcast'));
alter table public.validation_samples add constraint validation_samples_strategy_realtime_only
  check (strategy is null or transport = 'realtime');

-- Coverage: part of the key (the probe's two Realtime lanes share transport and lane).
-- 'none' on legacy intervals, so the key column stays not null.
alter table public.validation_coverage add column strategy text not null default 'none'
  check (strategy in ('none', 'postgres_changes', 'broadcast'));
update public.validation_coverage set strategy = 'postgres_changes' where transport = 'realtime';
alter table public.validation_coverage add constraint validation_coverage_strategy_realtime_only
  check ((transport = 'realtime') = (strategy <> 'none'));
alter table public.validation_coverage drop constraint validation_coverage_pkey;
alter table public.validation_coverage add primary key (observer, transport, lane, strategy, from_ms);

-- Windows: one row per subject × cohort × browser × strategy × minute.
alter table public.validation_windows add column strategy text not null default 'postgres_changes'
  check (strategy in ('postgres_changes', 'broadcast'));
alter table public.validation_windows drop constraint validation_windows_pkey;
alter table public.validation_windows add primary key (minute, cohort, browser, subject, strategy);

-- Discrepancy log: which Realtime lane the discrepancy was found on (the probe judges both).
alter table public.validation_discrepancies add column strategy text not null default 'postgres_changes'
  check (strategy in ('postgres_changes', 'broadcast'));
alter table public.validation_discrepancies drop constraint validation_discrepancies_observer_event_id_kind_key;
alter table public.validation_discrepancies add constraint validation_discrepancies_observer_event_id_kind_strategy_key
  unique (observer, event_id, kind, strategy);

-- Error counters: each batch's Realtime errors and deliveries per strategy
-- ({"broadcast": {"errors": 1, "deliveries": 40}}), so each lane has its own error rate.
-- Null on rows stored before: those read as postgres_changes.
alter table public.validation_errors add column by_strategy jsonb
  check (by_strategy is null or jsonb_typeof(by_strategy) = 'object');
