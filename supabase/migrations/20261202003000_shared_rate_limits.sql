-- Rate limits shared by every app instance (issue 17): one token bucket per key, taken
-- atomically in one call, so N instances behind a load balancer allow what one would.
-- Unlogged: a bucket is worth nothing after a crash (it refills in seconds), and skipping
-- WAL keeps a check to one cheap row update. Server-only: RLS on, no API-role access.

create unlogged table public.rate_limit_buckets (
  key text primary key check (char_length(key) between 1 and 200),
  tokens double precision not null,
  refilled_at timestamptz not null
);

alter table public.rate_limit_buckets enable row level security;
revoke all on public.rate_limit_buckets from anon, authenticated;

-- Spends `p_cost` tokens from the bucket `p_key` (burst `p_capacity`, refilled at
-- `p_per_second`). Returns 0 when allowed, else the seconds until the cost would fit.
-- The upsert takes the row lock, so concurrent callers on any instance serialise per key.
create function public.take_rate_limit(p_key text, p_capacity double precision, p_per_second double precision, p_cost double precision default 1)
returns double precision
language plpgsql
security invoker
set search_path = ''
as $$
declare
  t timestamptz := clock_timestamp();
  available double precision;
begin
  insert into public.rate_limit_buckets as b (key, tokens, refilled_at)
  values (p_key, p_capacity, t)
  on conflict (key) do update
    set tokens = least(p_capacity, b.tokens + greatest(0, extract(epoch from (t - b.refilled_at))) * p_per_second),
        refilled_at = greatest(b.refilled_at, t)
  returning tokens into available;
  if available >= p_cost then
    update public.rate_limit_buckets set tokens = tokens - p_cost where key = p_key;
    return 0;
  end if;
  return (p_cost - available) / p_per_second;
end;
$$;

revoke all on function public.take_rate_limit(text, double precision, double precision, double precision) from public, anon, authenticated;

-- Buckets idle long enough to be full again carry no state; the worker sweeps them.
create index rate_limit_buckets_refilled_at on public.rate_limit_buckets (refilled_at);
