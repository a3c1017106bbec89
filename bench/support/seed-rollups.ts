import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';

/** The simulator's caches (servers/simulator/cache-spec.ts), so stored and live series join. */
const CACHES = ['sessions', 'catalog', 'pricing'];

// One rollup row per cache and step before `$1`, shaped like the rollup trigger's (one source
// reporting every second; histograms over the 57 latency buckets; values drifting with time).
// Existing rows (the live minutes) are kept.
const SEED = (table: 'cache_metrics_1m' | 'cache_metrics_1h', step: string, span: string) => `
insert into public.${table} (cache_name, bucket, samples, seconds, hits, misses, evictions, ops, p99_max, p50_hist, p99_hist, latest)
select c, b, s, s, (s * 540 * (0.85 + 0.1 * sin(e / 5000.0)))::bigint, (s * 540 * (0.15 - 0.1 * sin(e / 5000.0)))::bigint, (s * (e % 7))::bigint,
       s * 600.0, 14 + e % 9,
       (select array_agg(case when i = 7 + (e / 60) % 3 then s else 0 end order by i) from generate_series(0, 56) i),
       (select array_agg(case when i = 17 + (e / 60) % 4 then s else 0 end order by i) from generate_series(0, 56) i),
       jsonb_build_object('node-1', jsonb_build_object('keys', 4000 + e % 500, 'memory', 262144, 'at', e * 1000 + s * 1000 - 1000))
  from unnest($2::text[]) c,
       generate_series(date_trunc('${step}', $1::timestamptz) - interval '${span}', date_trunc('${step}', $1::timestamptz) - interval '1 ${step}', interval '1 ${step}') b,
       lateral (select extract(epoch from b)::bigint as e, extract(epoch from interval '1 ${step}')::int as s) x
on conflict (cache_name, bucket) do nothing`;

/**
 * Seeds the running stack's rollups (`<dataDir>/stack.json` names its database): 24 h of
 * minute rows and 7 d of hour rows before now, what the series API serves for the long
 * ranges (rows already there are kept). Returns the rows each table then holds.
 */
export async function seedRollups(dataDir: string): Promise<{ minuteRows: number; hourRows: number }> {
  const marker = JSON.parse(await readFile(path.join(dataDir, 'stack.json'), 'utf8')) as { env: { DATABASE_URL: string } };
  const client = new pg.Client({ connectionString: marker.env.DATABASE_URL });
  await client.connect();
  try {
    const now = new Date().toISOString();
    await client.query(SEED('cache_metrics_1m', 'minute', '24 hours'), [now, CACHES]);
    await client.query(SEED('cache_metrics_1h', 'hour', '7 days'), [now, CACHES]);
    const count = async (table: string) => Number((await client.query<{ n: string }>(`select count(*) as n from public.${table}`)).rows[0]?.n ?? 0);
    return { minuteRows: await count('cache_metrics_1m'), hourRows: await count('cache_metrics_1h') };
  } finally {
    await client.end();
  }
}
