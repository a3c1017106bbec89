-- Fixes from the attacker review of the trusted verdict (issue 10).

-- Coverage reaches at most as far as its observer vouched: `until_ms` is kept equal to the
-- observer's `seen_through_ms` while an interval is open (and to its end once closed), so
-- the analysis finds the intervals of a window with an index instead of scanning them all.
alter table public.validation_coverage add column until_ms bigint;
update public.validation_coverage c set until_ms = least(coalesce(c.to_ms, o.seen_through_ms), o.seen_through_ms)
  from public.validation_observers o where o.observer = c.observer;
update public.validation_coverage set until_ms = coalesce(to_ms, from_ms) where until_ms is null;
alter table public.validation_coverage alter column until_ms set not null;
drop index if exists public.validation_coverage_to_idx;
create index validation_coverage_until_idx on public.validation_coverage (until_ms);

-- Error budgets are per caller, not per observer id.
create index validation_errors_subject_at_idx on public.validation_errors (subject, at);

-- The gate runner measures disjoint stretches of evidence: where the next one starts, and
-- since when every measurement passed (auto-advance soaks on passing evidence, not on age).
alter table public.gate_runner_state add column chunk_from timestamptz;
alter table public.gate_runner_state add column passing_since timestamptz;
alter table public.gate_runner_state add column breach_reason text;
alter table public.gate_runner_state add column breach_severe boolean not null default false;
