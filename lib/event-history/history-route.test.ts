import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GET } from '@/app/api/monitoring/events/route';
import { db } from '@/lib/db/pool';
import { accessToken, setTestEnv } from '@/test-support/ingest';
import { signApiKey } from '@/servers/local-supabase/secrets';
import * as v from 'valibot';
import { envelopeSchema } from '@/contracts/envelope';
import { startThrowawayPostgres, type ThrowawayPostgres } from '@/test-support/throwaway-postgres';

const METRICS = 2_500;
const EVENTS = 30;
let postgres: ThrowawayPostgres;
let token: string;

beforeAll(async () => {
  postgres = await startThrowawayPostgres({ seed: false });
  setTestEnv({ databaseUrl: postgres.databaseUrl, publishUrl: 'http://127.0.0.1:9/internal/publish' });
  token = await accessToken();
  await db().query(
    `insert into public.cache_metrics (event_id, source, cache_name, hits, misses, hit_ratio, evictions, keys, memory_bytes, ops_per_sec, p50_latency_ms, p99_latency_ms)
     select gen_random_uuid(), 'node-' || (n % 3), 'cache-' || (n % 5), n, 1, 0.5, 0, n, 1024, 10, 1, 2 from generate_series(1, $1) n order by n`,
    [METRICS],
  );
  await db().query(
    `insert into public.system_events (event_id, source, level, kind, message, attributes)
     select gen_random_uuid(), 'node-1', 'info', 'cache.tick', 'tick ' || n, jsonb_build_object('n', n) from generate_series(1, $1) n order by n`,
    [EVENTS],
  );
});

afterAll(async () => {
  await db().end();
  await postgres?.stop();
});

type Page = { stream: string; items: Array<{ id: number; event_id: string; stream: string; emitted_at: string; data: Record<string, unknown> }>; next_after: number | null };

function get(query: string, authorization: string | null = `Bearer ${token}`): Promise<Response> {
  return GET(new Request(`http://127.0.0.1/api/monitoring/events?${query}`, { headers: authorization ? { authorization } : {} }));
}

async function page(query: string): Promise<Page> {
  const response = await get(query);
  expect(response.status).toBe(200);
  return (await response.json()) as Page;
}

describe('GET /api/monitoring/events', () => {
  it('refuses callers without a valid session or bearer token', async () => {
    const expired = await accessToken({ expiresIn: -60 });
    const forged = await accessToken({ secret: 'another-secret-another-secret-another-secret' });
    const anon = await signApiKey(process.env.SUPABASE_JWT_SECRET!, 'anon');
    for (const authorization of [null, 'Bearer nonsense', `Bearer ${expired}`, `Bearer ${forged}`, `Bearer ${anon}`, `Basic ${token}`]) {
      const response = await get('stream=cache_metrics', authorization);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    }
  });

  it('serves a signed-in user and the service role, never from a cache', async () => {
    const service = await signApiKey(process.env.SUPABASE_JWT_SECRET!, 'service_role');
    for (const authorization of [`Bearer ${token}`, `Bearer ${service}`]) {
      const response = await get('stream=system_events&limit=1', authorization);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('pages through 2,500 rows by keyset, ascending, each row once', async () => {
    const ids: number[] = [];
    let after = 0;
    let pages = 0;
    for (;;) {
      const body = await page(`stream=cache_metrics&after=${after}&limit=1000`);
      pages += 1;
      ids.push(...body.items.map((item) => item.id));
      if (body.next_after === null) break;
      expect(body.next_after).toBe(body.items.at(-1)?.id);
      after = body.next_after;
    }
    expect(pages).toBe(3);
    expect(ids).toHaveLength(METRICS);
    expect(new Set(ids).size).toBe(METRICS);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it('uses the legacy feed envelope with every stored column in data', async () => {
    const body = await page('stream=system_events&limit=2');
    expect(body.stream).toBe('system_events');
    for (const item of body.items) expect(v.is(envelopeSchema, item)).toBe(true);
    expect(body.items[0]).toMatchObject({ stream: 'system_events', data: { source: 'node-1', level: 'info', kind: 'cache.tick', cache_name: null, message: 'tick 1', attributes: { n: 1 } } });
    const metricPage = await page('stream=cache_metrics&limit=1');
    expect(Object.keys(metricPage.items[0]!.data).sort()).toEqual(
      ['cache_name', 'evictions', 'hit_ratio', 'hits', 'keys', 'memory_bytes', 'misses', 'ops_per_sec', 'p50_latency_ms', 'p99_latency_ms', 'source', 'window_seconds'].sort(),
    );
    expect(metricPage.items[0]!.data).toMatchObject({ hits: 1, keys: 1, memory_bytes: 1024, window_seconds: 1 });
  });

  it('defaults to 500 rows after id 0 and reports the end of the stream', async () => {
    const first = await page('stream=cache_metrics');
    expect(first.items).toHaveLength(500);
    expect(first.items[0]!.id).toBe(1);
    const tail = await page(`stream=system_events&after=${EVENTS - 5}`);
    expect(tail.items.map((item) => item.id)).toEqual([26, 27, 28, 29, 30]);
    expect(tail.next_after).toBeNull();
    expect(await page(`stream=system_events&after=${EVENTS}`)).toEqual({ stream: 'system_events', items: [], next_after: null });
  });

  it('returns the latest rows, ascending, and pages backwards with before', async () => {
    const latest = await page('stream=cache_metrics&latest=true&limit=3');
    expect(latest.items.map((item) => item.id)).toEqual([METRICS - 2, METRICS - 1, METRICS]);
    expect(latest.next_after).toBeNull();
    const older = await page(`stream=cache_metrics&latest=true&limit=3&before=${METRICS - 2}`);
    expect(older.items.map((item) => item.id)).toEqual([METRICS - 5, METRICS - 4, METRICS - 3]);
    const range = await page('stream=cache_metrics&after=10&before=14');
    expect(range.items.map((item) => item.id)).toEqual([11, 12, 13]);
  });

  it('rejects out-of-bounds and malformed queries with 400, naming the parameter', async () => {
    const cases: Array<[string, RegExp]> = [
      ['', /^stream:/],
      ['stream=users', /^stream: must be one of/],
      ['stream=cache_metrics&limit=0', /^limit: must be ≥ 1/],
      ['stream=cache_metrics&limit=1001', /^limit: must be ≤ 1000/],
      ['stream=cache_metrics&limit=ten', /^limit:/],
      ['stream=cache_metrics&after=-1', /^after:/],
      ['stream=cache_metrics&after=1.5', /^after:/],
      ['stream=cache_metrics&before=0', /^before: must be ≥ 1/],
      ['stream=cache_metrics&latest=yes', /^latest:/],
      ['stream=cache_metrics&order=desc', /^order: unknown query parameter$/],
      ['stream=cache_metrics&after=0&x=1', /^x: unknown query parameter$/],
      ['stream=cache_metrics&x=1&y=2', /^x: unknown query parameter; y: unknown query parameter$/],
      ['stream=cache_metrics&after=%00', /^after: must not contain NUL/],
      ['stream=cache_metrics&%00=1', /^query: must not contain NUL/],
      ['stream=cache_metrics&stream=system_events', /^stream: give it once/],
    ];
    for (const [query, message] of cases) {
      const response = await get(query);
      expect(response.status, query).toBe(400);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code, query).toBe('validation_failed');
      expect(body.error.message, query).toMatch(message);
    }
    expect((await page('stream=cache_metrics&limit=1000')).items).toHaveLength(1000);
    expect((await page('stream=cache_metrics&limit=1')).items).toHaveLength(1);
  });
});
