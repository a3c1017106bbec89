import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GET } from '@/app/api/monitoring/series/route';
import type { SeriesResponse } from '@/contracts/series';
import { maxPoints, SERIES_RANGE_NAMES, SERIES_RANGES } from '@/lib/dashboard/series-ranges';
import { db } from '@/lib/db/pool';
import { storeIngestBatch } from '@/lib/ingest/store-batch';
import type { IngestBatch } from '@/lib/ingest/ingest-batch';
import { emptyHistogram, histogramPercentile, merge, record } from '@/lib/stats/latency-histogram';
import { accessToken, metric, setTestEnv } from '@/test-support/ingest';
import { startThrowawayPostgres, type ThrowawayPostgres } from '@/test-support/throwaway-postgres';

const MINUTE = 60_000;
let postgres: ThrowawayPostgres;
let token: string;
/** The start of the minute two minutes ago: two full minutes of data end before now. */
let start: number;

interface Row { source: string; at: number; hits: number; misses: number; ops: number; p50: number; p99: number; keys: number; memory: number; evictions: number }

const rows: Row[] = [];

async function insert(batch: Row[], cache = 'sessions'): Promise<void> {
  await db().query(
    `insert into public.cache_metrics (event_id, emitted_at, source, cache_name, hits, misses, hit_ratio, evictions, keys, memory_bytes, ops_per_sec, p50_latency_ms, p99_latency_ms)
     select gen_random_uuid(), to_timestamp(at / 1000.0), source, $1, hits, misses, hits::float8 / greatest(hits + misses, 1), evictions, keys, memory, ops, p50, p99
       from unnest($2::text[], $3::float8[], $4::bigint[], $5::bigint[], $6::float8[], $7::float8[], $8::float8[], $9::bigint[], $10::bigint[], $11::bigint[])
         as u(source, at, hits, misses, ops, p50, p99, keys, memory, evictions)`,
    [cache, batch.map((r) => r.source), batch.map((r) => r.at), batch.map((r) => r.hits), batch.map((r) => r.misses), batch.map((r) => r.ops), batch.map((r) => r.p50),
      batch.map((r) => r.p99), batch.map((r) => r.keys), batch.map((r) => r.memory), batch.map((r) => r.evictions)],
  );
}

beforeAll(async () => {
  postgres = await startThrowawayPostgres({ seed: false });
  setTestEnv({ databaseUrl: postgres.databaseUrl, publishUrl: 'http://127.0.0.1:9/internal/publish' });
  token = await accessToken();
  start = Math.floor(Date.now() / MINUTE) * MINUTE - 2 * MINUTE;
  // Two shards reporting every second for two minutes, with latencies spread over many histogram buckets.
  for (let s = 0; s < 120; s += 1) {
    for (const [n, source] of ['node-1', 'node-2'].entries()) {
      rows.push({ source, at: start + s * 1000 + n * 10, hits: 50 + (s % 7), misses: 5 + n, ops: 100 + s + n * 40, p50: 0.2 + (s % 5) * 0.1, p99: 1 + ((s * 37 + n * 11) % 90), keys: 1000 + s, memory: 2048 * (n + 1), evictions: s % 3 });
    }
  }
  // Stored in small statements, as ingest batches arrive: the rollups merge across them.
  for (let i = 0; i < rows.length; i += 17) await insert(rows.slice(i, i + 17));
});

afterAll(async () => {
  await db().end();
  await postgres?.stop();
});

function get(query: string, authorization: string | null = `Bearer ${token}`): Promise<Response> {
  return GET(new Request(`http://127.0.0.1/api/monitoring/series?${query}`, { headers: authorization ? { authorization } : {} }));
}

async function series(query: string): Promise<SeriesResponse> {
  const response = await get(query);
  expect(response.status).toBe(200);
  return (await response.json()) as SeriesResponse;
}

const histogramOf = (values: number[]) => {
  const histogram = emptyHistogram();
  for (const value of values) record(histogram, value);
  return histogram;
};

describe('rollups maintained as rows arrive', () => {
  it('a minute rollup equals the same minute computed from its raw rows, whatever the batches', async () => {
    const { rows: stored } = await db().query<{ samples: number; seconds: number; hits: number; misses: number; ops: number; p99_max: number; p50_hist: number[]; p99_hist: number[]; latest: Record<string, { keys: number; memory: number }> }>(
      "select samples, seconds, hits, misses, ops, p99_max, p50_hist, p99_hist, latest from public.cache_metrics_1m where cache_name = 'sessions' and bucket = to_timestamp($1 / 1000.0)",
      [start],
    );
    const minute = rows.filter((r) => r.at < start + MINUTE);
    expect(stored[0]).toEqual({
      samples: 120,
      seconds: 120,
      hits: minute.reduce((a, r) => a + r.hits, 0),
      misses: minute.reduce((a, r) => a + r.misses, 0),
      ops: minute.reduce((a, r) => a + r.ops, 0),
      p99_max: Math.max(...minute.map((r) => r.p99)),
      p50_hist: histogramOf(minute.map((r) => r.p50)),
      p99_hist: histogramOf(minute.map((r) => r.p99)),
      latest: { 'node-1': expect.objectContaining({ keys: 1059, memory: 2048 }), 'node-2': expect.objectContaining({ keys: 1059, memory: 4096 }) },
    });
  });

  it('an hour rollup is the merge of its minutes', async () => {
    const minutes = await db().query<{ hits: number; p99_hist: number[] }>("select hits, p99_hist from public.cache_metrics_1m where cache_name = 'sessions' order by bucket");
    const hours = await db().query<{ hits: number; p99_hist: number[] }>("select hits, p99_hist from public.cache_metrics_1h where cache_name = 'sessions' order by bucket");
    expect(hours.rows.reduce((a, r) => a + Number(r.hits), 0)).toBe(minutes.rows.reduce((a, r) => a + Number(r.hits), 0));
    expect(hours.rows.map((r) => r.p99_hist).reduce((a, h) => merge(a, h), emptyHistogram())).toEqual(minutes.rows.map((r) => r.p99_hist).reduce((a, h) => merge(a, h), emptyHistogram()));
  });

  it('a retried ingest batch is not counted twice', async () => {
    const batch = { metrics: [metric({ cache_name: 'retried' }), metric({ cache_name: 'retried' })], events: [] } as unknown as IngestBatch;
    await storeIngestBatch(db(), batch);
    await storeIngestBatch(db(), batch);
    const { rows: stored } = await db().query<{ samples: number }>("select sum(samples)::int as samples from public.cache_metrics_1m where cache_name = 'retried'");
    expect(stored[0]?.samples).toBe(2);
  });
});

describe('GET /api/monitoring/series', () => {
  it('refuses a caller without a session or bearer token', async () => {
    const response = await get('range=1h', null);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
  });

  it.each([
    ['', 'range'],
    ['range=2h', 'range'],
    ['range=1h&range=5m', 'range'],
    ['range=1h&cache=', 'cache'],
    [`range=1h&cache=${'x'.repeat(101)}`, 'cache'],
    ['range=1h&cache=a%00b', 'cache'],
    ['range=1h&step=1', 'step'],
  ])('answers 400 naming the parameter for ?%s', async (query, parameter) => {
    const response = await get(query);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.message).toContain(parameter);
  });

  it('serves every range from its resolution, within its point budget', async () => {
    for (const range of SERIES_RANGE_NAMES) {
      const body = await series(`range=${range}&cache=sessions`);
      expect(body.resolution).toBe(SERIES_RANGES[range].resolution);
      expect(body.series.map((s) => s.cache)).toEqual(['sessions']);
      const [only] = body.series;
      expect(only?.t.length).toBeGreaterThan(0);
      expect(only?.t.length).toBeLessThanOrEqual(maxPoints(range));
      expect(only?.t.every((t, i, all) => i === 0 || t > (all[i - 1] as number))).toBe(true);
    }
  });

  it('a minute point carries the minute: hit ratio, rates over the time reported, merged percentiles, gauges summed over shards', async () => {
    const body = await series('range=6h&cache=sessions');
    const [only] = body.series;
    const index = only?.t.indexOf(start) ?? -1;
    expect(index).toBeGreaterThanOrEqual(0);
    const minute = rows.filter((r) => r.at < start + MINUTE);
    const hits = minute.reduce((a, r) => a + r.hits, 0);
    const misses = minute.reduce((a, r) => a + r.misses, 0);
    expect(only?.hitRatio[index]).toBeCloseTo(hits / (hits + misses), 12);
    // Two shards, each reporting 60 one-second windows: ops/s is the shards' sum.
    expect(only?.opsPerSec[index]).toBeCloseTo(minute.reduce((a, r) => a + r.ops, 0) / 60, 9);
    expect(only?.p99LatencyMs[index]).toBe(histogramPercentile(histogramOf(minute.map((r) => r.p99)), 99));
    expect(only?.keys[index]).toBe(2 * 1059);
    expect(only?.memoryBytes[index]).toBe(2048 + 4096);
  });

  it('raw steps report percentiles on the same scale as the rollups', async () => {
    const body = await series('range=15m&cache=sessions');
    const [only] = body.series;
    const index = only?.t.indexOf(start) ?? -1;
    const step = rows.filter((r) => r.at >= start && r.at < start + 5_000);
    expect(only?.p99LatencyMs[index]).toBe(histogramPercentile(histogramOf(step.map((r) => r.p99)), 99));
    expect(only?.opsPerSec[index]).toBeCloseTo(step.reduce((a, r) => a + r.ops, 0) / 5, 9);
  });

  it('marks a minute without data as a gap, and lists every cache when none is named', async () => {
    // One row a minute before the rest, then nothing for a minute.
    await insert([{ source: 'node-1', at: start - 3 * MINUTE, hits: 1, misses: 1, ops: 1, p50: 1, p99: 1, keys: 1, memory: 1, evictions: 0 }]);
    const body = await series('range=6h');
    const sessions = body.series.find((s) => s.cache === 'sessions');
    const index = sessions?.t.indexOf(start - 3 * MINUTE) ?? -1;
    expect(sessions?.t[index + 1]).toBe(start - 2 * MINUTE);
    expect(sessions?.hitRatio[index + 1]).toBeNull();
    expect(body.series.map((s) => s.cache)).toEqual(['retried', 'sessions']);
  });

  it('serves 7 days from hour rollups after raw rows are gone', async () => {
    await db().query(
      `insert into public.cache_metrics (event_id, emitted_at, source, cache_name, hits, misses, hit_ratio, evictions, keys, memory_bytes, ops_per_sec, p50_latency_ms, p99_latency_ms)
       select $1::uuid, now() - interval '6 days', 'node-1', 'old', 1, 1, 0.5, 0, 1, 1, 1, 1, 1`,
      [randomUUID()],
    );
    await db().query("delete from public.cache_metrics where cache_name = 'old'");
    const body = await series('range=7d&cache=old');
    expect(body.series[0]?.t).toHaveLength(1);
    expect(body.series[0]?.hitRatio).toEqual([0.5]);
  });
});

describe('rollup cost bounded in the number of sources', () => {
  it('a cache whose sources never repeat keeps the newest 256 readings per bucket, on insert and on merge', async () => {
    const churn = (from: number, count: number): Row[] =>
      Array.from({ length: count }, (_, k) => ({ source: `pod-${from + k}`, at: start + from + k, hits: 1, misses: 0, ops: 1, p50: 1, p99: 1, keys: 1, memory: 1, evictions: 0 }));
    const bucket = async () =>
      (
        await db().query<{ sources: number; samples: number; keys: string[] }>(
          "select sources, samples, array(select jsonb_object_keys(latest) order by 1) as keys from public.cache_metrics_1h where cache_name = 'churn'",
        )
      ).rows[0];
    // One batch of 400 new sources: the bucket's first insert is capped too.
    await insert(churn(0, 400), 'churn');
    expect((await bucket())?.sources).toBe(256);
    // Then 300 statements of two more new sources each: every merge keeps the newest 256.
    for (let k = 400; k < 1_000; k += 2) await insert(churn(k, 2), 'churn');
    const after = await bucket();
    expect(after?.samples).toBe(1_000);
    expect(after?.keys).toEqual(Array.from({ length: 256 }, (_, k) => `pod-${744 + k}`).sort());
    await db().query("delete from public.cache_metrics where cache_name = 'churn'");
  });
});
