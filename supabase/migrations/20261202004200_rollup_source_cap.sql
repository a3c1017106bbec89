-- The rollup's gauge map (`latest`: the last keys / memory reading per source) grew by one
-- key per distinct source in a bucket, and every statement that touched the bucket merged,
-- sorted and re-summed the whole map (rollup_latest and the generated columns). A cache whose
-- sources never repeat — a benchmark stamping each row's source, pods with fresh names, a
-- misbehaving ingest client — made each insert O(sources seen this hour): at 200 rows/s the
-- hour row reached thousands of keys within a minute and Postgres ran at 100 % CPU, stalling
-- ingest and Realtime delivery alike.
--
-- The map now keeps the newest readings of at most rollup_max_sources() sources per bucket,
-- so a statement's cost is bounded whatever the cardinality. A cache with more shards than
-- that reports its gauges (keys, memory, sources) over the shards that reported last.
create function public.rollup_max_sources() returns integer
language sql immutable parallel safe set search_path = '' as $$ select 256 $$;

create or replace function public.rollup_latest(a jsonb, b jsonb) returns jsonb
language sql immutable parallel safe set search_path = '' as $$
  select coalesce(pg_catalog.jsonb_object_agg(key, value), '{}'::jsonb) from (
    select key, value from (
      select distinct on (key) key, value from (select * from pg_catalog.jsonb_each(a) union all select * from pg_catalog.jsonb_each(b)) e
      order by key, (value ->> 'at')::bigint desc
    ) per_source
    order by (value ->> 'at')::bigint desc, key
    limit public.rollup_max_sources()
  ) latest
$$;

-- A batch's own readings are capped the same way before they first enter a bucket: the rollup
-- statement as in 20261202002000_cache_rollups.sql, with `latest` passed through rollup_latest,
-- and the trigger function rendered from it again.
create or replace function public.cache_rollup_statement(unit text, rows text) returns text
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
      select cache_name, bucket, public.rollup_latest('{}'::jsonb, jsonb_object_agg(source, reading)) as latest from last_reading group by 1, 2
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
  execute format($f$create or replace function public.cache_metrics_roll_up() returns trigger
    language plpgsql security definer set search_path = '' as %L$f$,
    'begin ' || public.cache_rollup_statement('minute', 'new_rows') || '; ' || public.cache_rollup_statement('hour', 'new_rows') || '; return null; end');
end $$;

