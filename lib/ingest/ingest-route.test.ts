import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GET as getStats } from '@/app/api/ingest/stats/route';
import { POST } from '@/app/api/ingest/route';
import { db } from '@/lib/db/pool';
import { hashIngestKey, registerIngestKey } from '@/lib/ingest/ingest-keys';
import { legacyPublisher } from '@/lib/ingest/legacy-publisher';
import { accessToken, event, ingestRequest, metric, setTestEnv, startReceiver, TEST_INGEST_KEY, TEST_PUBLISH_KEY } from '@/test-support/ingest';
import * as v from 'valibot';
import { envelopeSchema } from '@/contracts/envelope';
import { startThrowawayPostgres, type ThrowawayPostgres, tolerateShutdown } from '@/test-support/throwaway-postgres';

let postgres: ThrowawayPostgres;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let admin: pg.Pool;

beforeAll(async () => {
  postgres = await startThrowawayPostgres({ seed: false });
  receiver = await startReceiver();
  setTestEnv({ databaseUrl: postgres.databaseUrl, publishUrl: receiver.url });
  admin = tolerateShutdown(new pg.Pool({ connectionString: postgres.databaseUrl, max: 2 }));
});

afterAll(async () => {
  await legacyPublisher().close();
  await db().end();
  await admin?.end();
  await receiver?.close();
  await postgres?.stop();
});

async function rowCount(): Promise<number> {
  const { rows } = await admin.query<{ n: string }>('select (select count(*) from public.cache_metrics) + (select count(*) from public.system_events) as n');
  return Number(rows[0]?.n);
}

type Body = { metrics: Array<{ event_id: string; id: number }>; events: Array<{ event_id: string; id: number }>; duplicates: number };
type ErrorBody = { error: { code: string; message: string } };

describe('POST /api/ingest', () => {
  it('stores a batch and answers ids in input order', async () => {
    const metrics = [metric(), metric({ cache_name: 'catalog', hit_ratio: 0 }), metric({ window_seconds: 0.1 })];
    const events = [event(), event({ cache_name: null, attributes: undefined }), event({ level: 'critical' })];
    const response = await POST(ingestRequest({ metrics, events }));
    expect(response.status).toBe(200);
    const body = (await response.json()) as Body;
    expect(body.duplicates).toBe(0);
    expect(body.metrics.map((m) => m.event_id)).toEqual(metrics.map((m) => m.event_id));
    expect(body.events.map((e) => e.event_id)).toEqual(events.map((e) => e.event_id));
    const ids = body.metrics.map((m) => m.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const { rows } = await admin.query('select id, event_id, cache_name, emitted_at from public.cache_metrics where event_id = any($1::uuid[]) order by id', [metrics.map((m) => m.event_id)]);
    expect(rows.map((r: { id: string }) => Number(r.id))).toEqual(ids);
  });

  it('sends the same envelopes to the legacy feed after commit, with ids, server time and every column', async () => {
    const metrics = [metric(), metric()];
    const events = [event({ attributes: { nested: { ok: true } } })];
    const body = (await (await POST(ingestRequest({ metrics, events }))).json()) as Body;
    const eventIds = [...body.metrics, ...body.events].map((x) => x.event_id);
    await receiver.waitForEventIds(eventIds);
    const sent = receiver.envelopes().filter((e) => eventIds.includes(String(e.event_id)));
    expect(sent).toHaveLength(3);
    expect(receiver.received.map((r) => r.authorization)).toEqual(receiver.received.map(() => `Bearer ${TEST_PUBLISH_KEY}`));
    for (const envelope of sent) expect(v.is(envelopeSchema, envelope)).toBe(true);
    const byEventId = new Map(sent.map((e) => [e.event_id, e]));
    for (const [i, stored] of body.metrics.entries()) {
      const { event_id: _, ...columns } = metrics[i] as Record<string, unknown>;
      expect(byEventId.get(stored.event_id)).toMatchObject({ id: stored.id, stream: 'cache_metrics', data: columns });
    }
    const sentEvent = byEventId.get(body.events[0]!.event_id)!;
    expect(sentEvent).toMatchObject({ id: body.events[0]!.id, stream: 'system_events', data: { level: 'warn', attributes: { nested: { ok: true } } } });
    expect(Object.keys(sentEvent.data as object).sort()).toEqual(['attributes', 'cache_name', 'kind', 'level', 'message', 'source']);
    expect(Math.abs(Date.parse(String(sentEvent.emitted_at)) - Date.now())).toBeLessThan(60_000);
  });

  it('is idempotent by event_id: a retried batch stores nothing twice and returns the same ids', async () => {
    const batch = { metrics: [metric(), metric()], events: [event()] };
    const first = (await (await POST(ingestRequest(batch))).json()) as Body;
    const count = await rowCount();
    const second = (await (await POST(ingestRequest(batch))).json()) as Body;
    expect(second).toEqual({ ...first, duplicates: 3 });
    expect(await rowCount()).toBe(count);
    // The retry publishes nothing again: once a later batch arrived (the queue is FIFO), each event id was sent once.
    const marker = (await (await POST(ingestRequest({ metrics: [metric()], events: [] }))).json()) as Body;
    await receiver.waitForEventIds([marker.metrics[0]!.event_id]);
    const eventIds = [...first.metrics, ...first.events].map((x) => x.event_id);
    expect(receiver.envelopes().filter((e) => eventIds.includes(String(e.event_id)))).toHaveLength(3);
  });

  it('gives concurrent copies of one batch the same ids', async () => {
    const batch = { metrics: Array.from({ length: 50 }, () => metric()), events: [event()] };
    const count = await rowCount();
    const answers = await Promise.all([POST(ingestRequest(batch)), POST(ingestRequest(batch)), POST(ingestRequest(batch))]);
    const bodies = (await Promise.all(answers.map((r) => r.json()))) as Body[];
    expect(new Set(bodies.map((b) => JSON.stringify(b.metrics))).size).toBe(1);
    expect(bodies.map((b) => b.duplicates).sort((a, b) => a - b)).toEqual([0, 51, 51]);
    expect(await rowCount()).toBe(count + 51);
  });

  it('stores an item repeated with the same payload inside one batch once', async () => {
    const repeated = metric();
    const body = (await (await POST(ingestRequest({ metrics: [repeated, metric(), repeated], events: [] }))).json()) as Body;
    expect(body.duplicates).toBe(1);
    expect(body.metrics[2]!.id).toBe(body.metrics[0]!.id);
    const { rows } = await admin.query('select count(*)::int as n from public.cache_metrics where event_id = $1', [repeated.event_id]);
    expect(rows[0].n).toBe(1);
  });

  it('treats event ids case-insensitively', async () => {
    const id = randomUUID();
    const lower = (await (await POST(ingestRequest({ metrics: [metric({ event_id: id })], events: [] }))).json()) as Body;
    const upper = (await (await POST(ingestRequest({ metrics: [metric({ event_id: id.toUpperCase() })], events: [] }))).json()) as Body;
    expect(upper.metrics[0]!.id).toBe(lower.metrics[0]!.id);
    expect(upper.duplicates).toBe(1);
  });
});

/** `{ a: { a: … } }`, `levels` objects deep (the attributes object itself is one more). */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let i = 0; i < levels; i += 1) value = { a: value };
  return value;
}

function deepArray(levels: number): unknown[] {
  let value: unknown[] = [];
  for (let i = 0; i < levels; i += 1) value = [value];
  return value;
}

describe('POST /api/ingest refuses bad input and stores nothing', () => {
  const good = () => ({ metrics: [metric(), metric(), metric()], events: [event()] });
  const withMetric = (bad: Record<string, unknown>) => ({ ...good(), metrics: [...good().metrics, metric(bad)] });
  const withEvent = (bad: Record<string, unknown>) => ({ ...good(), events: [event(), event(bad)] });
  const sharedId = randomUUID();
  const big = 'x'.repeat(1024 * 1024);

  const cases: Array<{ name: string; request: () => Request | Promise<Request>; status: number; code: string; message?: RegExp }> = [
    { name: 'no Authorization header', request: () => ingestRequest(good(), { key: null }), status: 401, code: 'unauthorized' },
    { name: 'an unknown ingest key', request: () => ingestRequest(good(), { key: `${TEST_INGEST_KEY}-wrong` }), status: 401, code: 'unauthorized' },
    {
      name: 'a revoked ingest key',
      request: async () => {
        const key = `revoked-${randomUUID()}-${randomUUID()}`;
        await registerIngestKey(admin, 'revoked', key);
        await admin.query('update public.ingest_keys set revoked_at = now() where key_hash = $1', [hashIngestKey(key)]);
        return ingestRequest(good(), { key });
      },
      status: 401,
      code: 'unauthorized',
    },
    { name: 'a user access token instead of an ingest key', request: async () => ingestRequest(good(), { key: await accessToken() }), status: 401, code: 'unauthorized' },
    { name: 'a text/plain body', request: () => ingestRequest(good(), { contentType: 'text/plain' }), status: 415, code: 'unsupported_media_type' },
    { name: 'a body over 1 MB', request: () => ingestRequest({ ...good(), pad: big }), status: 413, code: 'payload_too_large' },
    { name: 'a Content-Length over 1 MB', request: () => ingestRequest(good(), { headers: { 'content-length': String(2 * 1024 * 1024) } }), status: 413, code: 'payload_too_large' },
    { name: 'malformed JSON', request: () => ingestRequest('{"metrics": [', {}), status: 400, code: 'invalid_json' },
    { name: 'a JSON array body', request: () => ingestRequest([metric()]), status: 400, code: 'validation_failed' },
    { name: 'an unknown top-level key', request: () => ingestRequest({ ...good(), extra: 1 }), status: 400, code: 'validation_failed', message: /Unrecognized key/ },
    { name: 'an unknown metric field', request: () => ingestRequest(withMetric({ colour: 'red' })), status: 400, code: 'validation_failed', message: /^metrics\[3\]/ },
    { name: 'a client-chosen emitted_at', request: () => ingestRequest(withMetric({ emitted_at: new Date().toISOString() })), status: 400, code: 'validation_failed' },
    { name: 'hit_ratio above 1', request: () => ingestRequest(withMetric({ hit_ratio: 1.5 })), status: 400, code: 'validation_failed', message: /^metrics\[3\]\.hit_ratio: must be ≤ 1/ },
    { name: 'p99 below p50', request: () => ingestRequest(withMetric({ p50_latency_ms: 5, p99_latency_ms: 1 })), status: 400, code: 'validation_failed', message: /metrics\[3\]\.p99_latency_ms/ },
    { name: 'negative hits', request: () => ingestRequest(withMetric({ hits: -1 })), status: 400, code: 'validation_failed', message: /metrics\[3\]\.hits: must be ≥ 0/ },
    { name: 'fractional keys', request: () => ingestRequest(withMetric({ keys: 1.5 })), status: 400, code: 'validation_failed', message: /metrics\[3\]\.keys/ },
    { name: 'window_seconds of 0', request: () => ingestRequest(withMetric({ window_seconds: 0 })), status: 400, code: 'validation_failed', message: /window_seconds/ },
    { name: 'a missing cache_name', request: () => ingestRequest(withMetric({ cache_name: undefined })), status: 400, code: 'validation_failed', message: /metrics\[3\]\.cache_name/ },
    { name: 'an event_id that is not a UUID', request: () => ingestRequest(withEvent({ event_id: 'evt-1' })), status: 400, code: 'validation_failed', message: /^events\[1\]\.event_id: must be a UUID/ },
    { name: 'an unknown level', request: () => ingestRequest(withEvent({ level: 'fatal' })), status: 400, code: 'validation_failed', message: /events\[1\]\.level/ },
    { name: 'a kind breaking the pattern', request: () => ingestRequest(withEvent({ kind: 'Cache Miss' })), status: 400, code: 'validation_failed', message: /events\[1\]\.kind/ },
    { name: 'an empty message', request: () => ingestRequest(withEvent({ message: '' })), status: 400, code: 'validation_failed', message: /events\[1\]\.message/ },
    { name: 'a message over 2,000 characters', request: () => ingestRequest(withEvent({ message: 'm'.repeat(2001) })), status: 400, code: 'validation_failed', message: /events\[1\]\.message/ },
    { name: 'a NUL character in a message', request: () => ingestRequest(withEvent({ message: 'a\u0000b' })), status: 400, code: 'validation_failed', message: /events\[1\]\.message/ },
    { name: 'attributes that are an array', request: () => ingestRequest(withEvent({ attributes: [1, 2] })), status: 400, code: 'validation_failed', message: /events\[1\]\.attributes/ },
    { name: 'a lone surrogate inside attributes', request: () => ingestRequest(withEvent({ attributes: { note: 'bad \ud800' } })), status: 400, code: 'validation_failed', message: /events\[1\]\.attributes/ },
    { name: 'attributes nested 5,000 deep (a 10 KB body)', request: () => ingestRequest(JSON.stringify(withEvent({ attributes: 'DEEP' })).replace('"DEEP"', `{"a":${'['.repeat(5_000)}${']'.repeat(5_000)}}`)), status: 400, code: 'validation_failed', message: /^events\[1\]\.attributes\.a\[0\]\[0\].*: nested deeper than 32 levels/ },
    { name: 'attributes one level deeper than the limit', request: () => ingestRequest(withEvent({ attributes: nested(29) })), status: 400, code: 'validation_failed', message: /^events\[1\]\.attributes.*nested deeper than 32 levels/ },
    { name: 'any part of the body nested too deep', request: () => ingestRequest({ ...good(), metrics: [deepArray(40)] }), status: 400, code: 'validation_failed', message: /^metrics\[0\]\[0\].*nested deeper than 32 levels/ },
    { name: 'a lone surrogate in an attribute key', request: () => ingestRequest(withEvent({ attributes: { 'k\ud800': 1 } })), status: 400, code: 'validation_failed', message: /^events\[1\]\.attributes: .*lone surrogate/ },
    { name: 'a lone low surrogate at the end of a message', request: () => ingestRequest(withEvent({ message: 'ok \udc00' })), status: 400, code: 'validation_failed', message: /^events\[1\]\.message: .*lone surrogate/ },
    { name: 'a NUL character in a metric source', request: () => ingestRequest(withMetric({ source: 'node\u0000' })), status: 400, code: 'validation_failed', message: /^metrics\[3\]\.source: .*NUL/ },
    { name: 'hits beyond 2^53 (not exactly representable, bigint column)', request: () => ingestRequest(withMetric({ hits: 2 ** 53 })), status: 400, code: 'validation_failed', message: /^metrics\[3\]\.hits/ },
    { name: 'memory_bytes beyond the bigint column (1e20)', request: () => ingestRequest(withMetric({ memory_bytes: 1e20 })), status: 400, code: 'validation_failed', message: /^metrics\[3\]\.memory_bytes/ },
    { name: 'window_seconds that the real column rounds to 0 (1e-50)', request: () => ingestRequest(withMetric({ window_seconds: 1e-50 })), status: 400, code: 'validation_failed', message: /^metrics\[3\]\.window_seconds/ },
    { name: 'ops_per_sec beyond a double (1e400 parses as Infinity)', request: () => ingestRequest(JSON.stringify(withMetric({ ops_per_sec: 1 })).replace('"ops_per_sec":1,', '"ops_per_sec":1e400,')), status: 400, code: 'validation_failed', message: /^metrics\[3\]\.ops_per_sec/ },
    { name: 'more than 1,000 items', request: () => ingestRequest({ metrics: Array.from({ length: 600 }, () => metric()), events: Array.from({ length: 401 }, () => event()) }), status: 400, code: 'validation_failed', message: /at most 1000/ },
    {
      name: 'an event_id repeated with a different payload',
      request: () => ingestRequest({ metrics: [metric({ event_id: sharedId }), metric(), metric({ event_id: sharedId, hits: 1 })], events: [] }),
      status: 400,
      code: 'validation_failed',
      message: /^metrics\[2\]\.event_id: repeats metrics\[0\]/,
    },
    { name: 'one event_id used by a metric and an event', request: () => ingestRequest({ metrics: [metric({ event_id: sharedId })], events: [event({ event_id: sharedId })] }), status: 400, code: 'validation_failed', message: /^events\[0\]\.event_id/ },
  ];

  it.each(cases)('$name → $status $code', async ({ request, status, code, message }) => {
    const before = await rowCount();
    const response = await POST(await request());
    expect(response.status).toBe(status);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.code).toBe(code);
    expect(typeof body.error.message).toBe('string');
    if (message) expect(body.error.message).toMatch(message);
    expect(await rowCount()).toBe(before);
  });
});

describe('POST /api/ingest rate limit', () => {
  it('answers 429 with Retry-After once a key spends its burst, storing nothing', async () => {
    const key = `slow-${randomUUID()}-${randomUUID()}`;
    await registerIngestKey(admin, 'slow', key, { rateLimitPerS: 1 });
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 20 && !limited; i++) {
      const before = await rowCount();
      const response = await POST(ingestRequest({ metrics: [metric()], events: [] }, { key }));
      statuses.push(response.status);
      if (response.status === 429) {
        limited = response;
        expect(await rowCount()).toBe(before);
      }
    }
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    expect(limited?.status).toBe(429);
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await limited?.json()) as ErrorBody).error.code).toBe('rate_limited');
    // Another key is not affected.
    expect((await POST(ingestRequest({ metrics: [metric()], events: [] }))).status).toBe(200);
  });
});

describe('legacy feed outage', () => {
  it('never fails ingest; the publisher retries and delivers once the feed is back', async () => {
    const port = receiver.port;
    await receiver.close();
    const stats = async () => (await (await getStats(new Request('http://127.0.0.1/api/ingest/stats', { headers: { authorization: `Bearer ${TEST_INGEST_KEY}` } }))).json()) as { legacyPublisher: { retried: number; published: number; dropped: number } };
    const retriedBefore = (await stats()).legacyPublisher.retried;
    const response = await POST(ingestRequest({ metrics: [metric(), metric()], events: [event()] }));
    expect(response.status).toBe(200);
    const body = (await response.json()) as Body;
    await vi.waitFor(async () => expect((await stats()).legacyPublisher.retried).toBeGreaterThan(retriedBefore), { timeout: 10_000, interval: 20 });
    receiver = await startReceiver({ port });
    await receiver.waitForEventIds([...body.metrics, ...body.events].map((x) => x.event_id));
    const ids = new Set(receiver.envelopes().map((e) => e.id));
    for (const item of [...body.metrics, ...body.events]) expect(ids.has(item.id)).toBe(true);
    expect((await stats()).legacyPublisher.dropped).toBe(0);
  });
});

describe('GET /api/ingest/stats', () => {
  const statsRequest = (authorization?: string) => new Request('http://127.0.0.1/api/ingest/stats', { headers: authorization ? { authorization } : {} });

  it('answers ingest-key holders and admins with the publisher counters', async () => {
    for (const authorization of [`Bearer ${TEST_INGEST_KEY}`, `Bearer ${await accessToken({ admin: true })}`]) {
      const response = await getStats(statsRequest(authorization));
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        ingest: { batches: expect.any(Number), stored: expect.any(Number), duplicates: expect.any(Number) },
        legacyPublisher: { queued: expect.any(Number), published: expect.any(Number), retried: expect.any(Number), dropped: expect.any(Number) },
      });
    }
  });

  it('refuses anonymous callers (401) and non-admin users (403)', async () => {
    expect((await getStats(statsRequest())).status).toBe(401);
    expect((await getStats(statsRequest('Bearer not-a-key'))).status).toBe(401);
    const viewer = await getStats(statsRequest(`Bearer ${await accessToken()}`));
    expect(viewer.status).toBe(403);
    expect(((await viewer.json()) as ErrorBody).error.code).toBe('forbidden');
  });
});

describe('Postgres restart', () => {
  it('answers 503 upstream_unavailable with Retry-After while the database is down, never 500, and stores again once it is back', async () => {
    // A key never used before: its lookup needs the database too.
    const key = `sy_ingest_restart_${randomUUID()}`;
    await registerIngestKey(admin, 'restart-test', key, { rateLimitPerS: 100_000 });
    const restarting = postgres.restart({ downMs: 3_000 });
    const statuses = new Set<number>();
    let refused: Response | undefined;
    for (let done = false; !done; ) {
      const response = await POST(ingestRequest({ metrics: [metric()], events: [] }, { key }));
      statuses.add(response.status);
      if (response.status !== 200) refused ??= response;
      done = response.status === 200 && refused !== undefined;
    }
    await restarting;
    expect([...statuses].sort()).toEqual([200, 503]);
    expect(refused!.headers.get('retry-after')).toBe('1');
    expect(((await refused!.json()) as ErrorBody).error.code).toBe('upstream_unavailable');
  });
});
