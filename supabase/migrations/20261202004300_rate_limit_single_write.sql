-- Review L4 of 2026-12-02 (take_rate_limit): one write per check instead of two, HOT updates,
-- and arguments that cannot turn a 429 into a 500.
--   * The refill, the decision and the spend happen in the one upsert; `spent` records what it
--     decided, so RETURNING can say so (no second UPDATE, no second dead tuple).
--   * The `refilled_at` index made every update non-HOT (both writes touched an indexed
--     column): it goes, and the table keeps room on each page for HOT updates. The worker's
--     sweep reads this small unlogged table sequentially.
--   * p_per_second must be > 0 (it divided by zero), p_capacity > 0, and p_cost within
--     (0, p_capacity] (a cost above the burst never fits, yet got a finite Retry-After).

drop index if exists public.rate_limit_buckets_refilled_at;
alter table public.rate_limit_buckets set (fillfactor = 50);
alter table public.rate_limit_buckets add column spent boolean not null default true;

create or replace function public.take_rate_limit(p_key text, p_capacity double precision, p_per_second double precision, p_cost double precision default 1)
returns double precision
language plpgsql
security invoker
set search_path = ''
as $$
declare
  t timestamptz := clock_timestamp();
  left_over double precision;
  took boolean;
begin
  if not (p_per_second > 0 and p_per_second < 'infinity') then
    raise exception 'take_rate_limit: p_per_second must be a positive finite rate, got %', p_per_second using errcode = '22023';
  end if;
  if not (p_capacity > 0 and p_capacity < 'infinity') then
    raise exception 'take_rate_limit: p_capacity must be a positive finite burst, got %', p_capacity using errcode = '22023';
  end if;
  if not (p_cost > 0 and p_cost <= p_capacity) then
    raise exception 'take_rate_limit: p_cost must be within (0, p_capacity = %], got %', p_capacity, p_cost using errcode = '22023';
  end if;
  -- A new bucket starts full, so its first cost always fits.
  insert into public.rate_limit_buckets as b (key, tokens, refilled_at, spent)
  values (p_key, p_capacity - p_cost, t, true)
  on conflict (key) do update
    set (tokens, spent) = (
          select case when refill.tokens >= p_cost then refill.tokens - p_cost else refill.tokens end, refill.tokens >= p_cost
          from (select least(p_capacity, b.tokens + greatest(0, extract(epoch from (t - b.refilled_at))) * p_per_second) as tokens) as refill
        ),
        refilled_at = greatest(b.refilled_at, t)
  returning b.tokens, b.spent into left_over, took;
  if took then
    return 0;
  end if;
  return (p_cost - left_over) / p_per_second;
end;
$$;

revoke all on function public.take_rate_limit(text, double precision, double precision, double precision) from public, anon, authenticated;
