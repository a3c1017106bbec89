-- Issue 15: per-cache rollups, maintained as rows arrive, so long dashboard ranges read a
-- few hundred rows instead of millions and outlive the raw rows (see retention_policy).
--
-- One row per cache per minute (cache_metrics_1m) and per hour (cache_metrics_1h), summed
-- across the cache's shards (sources). Everything in a row merges exactly by addition:
-- counts, Σ window_seconds, Σ ops_per_sec × window_seconds, and latency histograms over
-- the per-sample p50 / p99 with the edges of lib/stats/latency-histogram.ts (×1.25 from
-- 0.25 ms). So a bucket's "p99" is the 99th percentile of the per-second p99s, read as the
-- upper edge of its histogram bucket (≤ 25 % above), the same whether computed from raw rows
-- or merged from smaller buckets. Keys and memory are gauges: the last value per source.

-- The histogram edges (ms) of lib/stats/latency-histogram.ts: bucket i holds v with
-- edge[i-1] < v <= edge[i], the last bucket everything above the last edge (57 buckets).
create function public.latency_hist_edges() returns double precision[]
language sql immutable parallel safe set search_path = '' as $$
  select '{0.25,0.313,0.391,0.488,0.61,0.763,0.954,1.192,1.49,1.863,2.328,2.91,3.638,4.547,5.684,7.105,8.882,11.102,13.878,17.347,21.684,27.105,33.881,42.352,52.94,66.174,82.718,103.398,129.247,161.559,201.948,252.435,315.544,394.43,493.038,616.298,770.372,962.965,1203.706,1504.633,1880.791,2350.989,2938.736,3673.42,4591.775,5739.719,7174.648,8968.31,11210.388,14012.985,17516.231,21895.289,27369.111,34211.388,42764.235,53455.294}'::double precision[]
$$;

create function public.latency_hist_add(a integer[], b integer[]) returns integer[]
language sql immutable parallel safe set search_path = '' as $$
  select case when a is null then b when b is null then a
    else (select array_agg(coalesce(x, 0) + coalesce(y, 0) order by i) from unnest(a, b) with ordinality as u(x, y, i)) end
$$;

-- The p-th percentile of a histogram, as histogramPercentile() in lib/stats/latency-histogram.ts
-- reads it: the upper edge of the bucket holding the nearest-rank value (null when empty).
create function public.latency_hist_percentile(h integer[], p double precision) returns double precision
language sql immutable parallel safe set search_path = '' as $$
  select (public.latency_hist_edges())[least(i, 56)::int] from (
    select i, sum(n) over (order by i) as seen, sum(n) over () as total from unnest(h) with ordinality as u(n, i)
  ) x where total > 0 and seen >= greatest(1, ceil(p / 100.0 * total)) order by i limit 1
$$;

-- Σ over sources of one gauge of `latest` ({"<source>": {"keys", "memory", "at"}}).
create function public.rollup_gauge_sum(latest jsonb, gauge text) returns double precision
language sql immutable parallel safe set search_path = '' as $$
  select coalesce(sum((value ->> gauge)::double precision), 0) from pg_catalog.jsonb_each(latest)
$$;

create function public.rollup_sources(latest jsonb) returns integer
language sql immutable parallel safe set search_path = '' as $$
  select count(*)::integer from pg_catalog.jsonb_object_keys(latest)
$$;

-- Per source, the later of two gauge readings ({"keys", "memory", "at" (ms)}).
create function public.rollup_latest(a jsonb, b jsonb) returns jsonb
language sql immutable parallel safe set search_path = '' as $$
  select coalesce(pg_catalog.jsonb_object_agg(key, value), '{}'::jsonb) from (
    select distinct on (key) key, value from (select * from pg_catalog.jsonb_each(a) union all select * from pg_catalog.jsonb_each(b)) e
    order by key, (value ->> 'at')::bigint desc
  ) latest
$$;

create table public.cache_metrics_1m (
  cache_name text not null,
  bucket timestamptz not null,
  samples integer not null,
  -- Σ window_seconds over every source: divided by the number of sources, the time covered.
  seconds double precision not null,
  hits bigint not null,
  misses bigint not null,
  evictions bigint not null,
  -- Σ ops_per_sec × window_seconds: operations done in the bucket.
  ops double precision not null,
  p99_max double precision not null,
  p50_hist integer[] not null,
  p99_hist integer[] not null,
  latest jsonb not null,
  -- What the series API reads, computed once per write instead of on every read.
  sources integer generated always as (public.rollup_sources(latest)) stored,
  p50_ms double precision generated always as (public.latency_hist_percentile(p50_hist, 50)) stored,
  p99_ms double precision generated always as (public.latency_hist_percentile(p99_hist, 99)) stored,
  keys double precision generated always as (public.rollup_gauge_sum(latest, 'keys')) stored,
  memory double precision generated always as (public.rollup_gauge_sum(latest, 'memory')) stored,
  primary key (cache_name, bucket)
);
create table public.cache_metrics_1h (like public.cache_metrics_1m including all);
-- Retention deletes by bucket across caches.
create index cache_metrics_1m_bucket_idx on public.cache_metrics_1m (bucket);
create index cache_metrics_1h_bucket_idx on public.cache_metrics_1h (bucket);

-- The one rollup statement: aggregates `rows` (a relation with cache_metrics' columns) into
-- the `unit` rollup and upserts it in (cache, bucket) order, so concurrent batches take row
-- locks in the same order and cannot deadlock. Plain SQL per row (width_bucket and one
-- filtered count per histogram bucket): no procedural code runs per row.
create function public.cache_rollup_statement(unit text, rows text) returns text
language sql immutable set search_path = '' as $fn$
  with buckets as (select string_agg(format('count(*) filter (where b%1$s = %2$s)', '%1$s', i), ', ' order by i) as list from generate_series(0, 56) i)
  select format($sql$
    with r as (
      select m.*, date_trunc(%1$L, m.emitted_at) as bucket,
             width_bucket(greatest(m.p50_latency_ms, 0), public.latency_hist_edges()) - (greatest(m.p50_latency_ms, 0) = any(public.latency_hist_edges()))::int as b50,
             width_bucket(greatest(m.p99_latency_ms, 0), public.latency_hist_edges()) - (greatest(m.p99_latency_ms, 0) = any(public.latency_hist_edges()))::int as b99
        from %2$s m
    ), totals as (
      select cache_name, bucket, count(*)::integer as samples, sum(window_seconds)::double precision as seconds, sum(hits) as hits, sum(misses) as misses,
             sum(evictions) as evictions, sum(ops_per_sec * window_seconds) as ops, max(p99_latency_ms) as p99_max,
             array[%4$s]::integer[] as p50_hist, array[%5$s]::integer[] as p99_hist
        from r group by 1, 2
    ), last_reading as (
      select distinct on (cache_name, bucket, source) cache_name, bucket, source,
             jsonb_build_object('keys', keys, 'memory', memory_bytes, 'at', (extract(epoch from emitted_at) * 1000)::bigint) as reading
        from r order by cache_name, bucket, source, emitted_at desc, id desc
    ), latest as (
      select cache_name, bucket, jsonb_object_agg(source, reading) as latest from last_reading group by 1, 2
    )
    insert into public.%3$I as t (cache_name, bucket, samples, seconds, hits, misses, evictions, ops, p99_max, p50_hist, p99_hist, latest)
    select totals.*, latest.latest from totals join latest using (cache_name, bucket) order by 1, 2
    on conflict (cache_name, bucket) do update set
      samples = t.samples + excluded.samples,
      seconds = t.seconds + excluded.seconds,
      hits = t.hits + excluded.hits,
      misses = t.misses + excluded.misses,
      evictions = t.evictions + excluded.evictions,
      ops = t.ops + excluded.ops,
      p99_max = greatest(t.p99_max, excluded.p99_max),
      p50_hist = public.latency_hist_add(t.p50_hist, excluded.p50_hist),
      p99_hist = public.latency_hist_add(t.p99_hist, excluded.p99_hist),
      latest = public.rollup_latest(t.latest, excluded.latest)
  $sql$, unit, rows, case unit when 'minute' then 'cache_metrics_1m' when 'hour' then 'cache_metrics_1h' end,
    replace((select list from buckets), '%1$s', '50'), replace((select list from buckets), '%1$s', '99'))
$fn$;

-- One statement-level trigger per insert statement (an ingest batch is one statement): the
-- batch is aggregated once. Rows skipped by `on conflict do nothing` are not in the
-- transition table, so a retried batch is not counted twice. The function body is the
-- rollup statement written out (static SQL), so each connection plans it once.
do $$
begin
  execute format($f$create function public.cache_metrics_roll_up() returns trigger
    language plpgsql security definer set search_path = '' as %L$f$,
    'begin ' || public.cache_rollup_statement('minute', 'new_rows') || '; ' || public.cache_rollup_statement('hour', 'new_rows') || '; return null; end');
end $$;

create trigger cache_metrics_roll_up after insert on public.cache_metrics
  referencing new table as new_rows for each statement execute function public.cache_metrics_roll_up();

-- Rows stored before this migration: rolled up once, the same way.
do $$
begin
  execute public.cache_rollup_statement('minute', 'public.cache_metrics');
  execute public.cache_rollup_statement('hour', 'public.cache_metrics');
end $$;

alter table public.cache_metrics_1m enable row level security;
alter table public.cache_metrics_1h enable row level security;
create policy "signed-in users read minute rollups" on public.cache_metrics_1m for select to authenticated using (true);
create policy "signed-in users read hour rollups" on public.cache_metrics_1h for select to authenticated using (true);
revoke all on public.cache_metrics_1m, public.cache_metrics_1h from anon, authenticated;
grant select on public.cache_metrics_1m, public.cache_metrics_1h to authenticated;
grant all on public.cache_metrics_1m, public.cache_metrics_1h to service_role;
