import { randomUUID } from 'node:crypto';
import { NextRequest } from 'next/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POST } from '@/app/api/validation/samples/route';
import { db } from '@/lib/db/pool';
import { setTestEnv } from '@/test-support/ingest';
import type { Cohort } from '@/lib/rollout/config';
import { changeConfig } from '@/lib/rollout/server/config-store';
import { invalidateRolloutConfig } from '@/lib/rollout/server/server-config';
import { apiRequest, errorOf, serviceRoleKey, userToken } from '@/test-support/api';
import { startThrowawayPostgres, type ThrowawayPostgres } from '@/test-support/throwaway-postgres';

let postgres: ThrowawayPostgres;
let user: string;
/** Real stored events the samples can name (the API refuses samples for events that do not exist). */
let events: Array<{ event_id: string; id: number; stream: 'cache_metrics' | 'system_events'; emitted_ms: number }>;

/** A signed-in user whose cohort is `cohort` (a tester override, as an admin would set it). */
async function userIn(cohort: Cohort): Promise<string> {
  const sub = randomUUID();
  await changeConfig(db(), { actor: { id: null, email: 'test' }, commands: [{ type: 'set-override', userId: sub, cohort }], reason: 'test cohort' });
  invalidateRolloutConfig();
  return userToken({ sub });
}

async function storeEvents(n: number): Promise<typeof events> {
  const metrics = await db().query<{ event_id: string; id: string; emitted_ms: string }>(
    `insert into public.cache_metrics (event_id, source, cache_name, hits, misses, hit_ratio, evictions, keys, memory_bytes, ops_per_sec, p50_latency_ms, p99_latency_ms)
     select gen_random_uuid(), 'test', 'sessions', 9, 1, 0.9, 0, 10, 100, 10, 0.1, 0.2 from generate_series(1, $1)
     returning event_id, id, floor(extract(epoch from emitted_at) * 1000)::bigint as emitted_ms`,
    [n],
  );
  const system = await db().query<{ event_id: string; id: string; emitted_ms: string }>(
    `insert into public.system_events (event_id, source, level, kind, message) values (gen_random_uuid(), 'test', 'info', 'test.event', 'hello')
     returning event_id, id, floor(extract(epoch from emitted_at) * 1000)::bigint as emitted_ms`,
  );
  return [
    ...metrics.rows.map((r) => ({ event_id: r.event_id, id: Number(r.id), stream: 'cache_metrics' as const, emitted_ms: Number(r.emitted_ms) })),
    ...system.rows.map((r) => ({ event_id: r.event_id, id: Number(r.id), stream: 'system_events' as const, emitted_ms: Number(r.emitted_ms) })),
  ];
}

beforeAll(async () => {
  postgres = await startThrowawayPostgres({ seed: false });
  setTestEnv({ databaseUrl: postgres.databaseUrl, publishUrl: 'http://127.0.0.1:9/internal/publish' });
  user = await userIn('shadow');
  events = await storeEvents(1_000);
});

afterAll(async () => {
  await db().end();
  await postgres?.stop();
});

/** A delivery of stored event `n` (a cache metric unless n is the last, the system event). */
function sample(overrides: Record<string, unknown> = {}, n = 0): Record<string, unknown> {
  const event = events[n] as (typeof events)[number];
  return { event_id: event.event_id, id: event.id, stream: event.stream, transport: 'realtime', lane: 'shadow', received_at: event.emitted_ms + 12, emitted_at: event.emitted_ms, digest: '00ff00ff00ff00ff', seq: 0, ...overrides };
}

function batch(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { observer: `tab-${randomUUID().slice(0, 12)}`, cohort: 'shadow', browser: 'firefox', clock_offset_ms: -3.5, errors: { legacy: 0, realtime: 2 }, samples: [sample()], ...overrides };
}

function post(body: unknown, options: { token?: string | null; contentType?: string } = {}): Promise<Response> {
  return POST(apiRequest('/api/validation/samples', { token: options.token === undefined ? user : options.token, body, contentType: options.contentType }));
}

async function counts(): Promise<{ samples: number; batches: number }> {
  const { rows } = await db().query<{ samples: number; batches: number }>(
    'select (select count(*)::int from public.validation_samples) as samples, (select count(*)::int from public.validation_errors) as batches',
  );
  return rows[0] as { samples: number; batches: number };
}

/** A body larger than the 1 MB cap that is otherwise a valid batch. */
const hugeBody = () => JSON.stringify(batch({ samples: [sample({ payload: { blob: 'x'.repeat(1024 * 1024) } })] }));

describe('POST /api/validation/samples', () => {
  it('refuses bad input with the right status and error code, storing nothing', async () => {
    const probeUser = await userToken();
    const streamed = (text: string) =>
      new NextRequest('http://127.0.0.1:3000/api/validation/samples', {
        method: 'POST',
        headers: { authorization: `Bearer ${user}`, 'content-type': 'application/json' },
        body: new ReadableStream({
          start(controller) {
            const bytes = new TextEncoder().encode(text);
            for (let i = 0; i < bytes.length; i += 64 * 1024) controller.enqueue(bytes.subarray(i, i + 64 * 1024));
            controller.close();
          },
        }),
        duplex: 'half',
      } as ConstructorParameters<typeof NextRequest>[1] & { duplex: 'half' });
    const cases: Array<{ name: string; send: () => Promise<Response>; status: number; code: string; field?: string }> = [
      { name: 'not JSON', send: () => post('{"observer": "tab-1234'), status: 400, code: 'invalid_json' },
      { name: 'wrong content type', send: () => post(JSON.stringify(batch()), { contentType: 'text/plain' }), status: 415, code: 'unsupported_media_type' },
      { name: 'a JSON array', send: () => post([batch()]), status: 400, code: 'validation_failed', field: 'body' },
      { name: 'more than 1,000 samples', send: () => post(batch({ samples: Array.from({ length: 1_001 }, () => sample()) })), status: 400, code: 'validation_failed', field: 'samples' },
      { name: 'a bad uuid', send: () => post(batch({ samples: [sample(), sample({ event_id: 'not-a-uuid' })] })), status: 400, code: 'validation_failed', field: 'samples[1].event_id' },
      { name: 'a bad digest', send: () => post(batch({ samples: [sample({ digest: '00FF00FF00FF00FF' })] })), status: 400, code: 'validation_failed', field: 'samples[0].digest' },
      { name: 'an unknown key in a sample', send: () => post(batch({ samples: [sample({ verdict: 'fine' })] })), status: 400, code: 'validation_failed', field: 'samples[0]' },
      { name: 'an unknown key in the batch', send: () => post(batch({ note: 'hi' })), status: 400, code: 'validation_failed', field: 'body' },
      { name: 'a bad lane', send: () => post(batch({ samples: [sample({ lane: 'sideways' })] })), status: 400, code: 'validation_failed', field: 'samples[0].lane' },
      { name: 'an unknown Realtime strategy', send: () => post(batch({ samples: [sample({ strategy: 'carrier-pigeon' })] })), status: 400, code: 'validation_failed', field: 'samples[0].strategy' },
      { name: 'errors split by an unknown strategy', send: () => post(batch({ errors: { legacy: 0, realtime: 1, strategies: { smoke_signals: 1 } } })), status: 400, code: 'validation_failed', field: 'errors.strategies' },
      { name: 'a bad transport', send: () => post(batch({ samples: [sample({ transport: 'carrier-pigeon' })] })), status: 400, code: 'validation_failed', field: 'samples[0].transport' },
      { name: 'a non-positive id', send: () => post(batch({ samples: [sample({ id: 0 })] })), status: 400, code: 'validation_failed', field: 'samples[0].id' },
      { name: 'a receive time in seconds', send: () => post(batch({ samples: [sample({ received_at: Math.floor(Date.now() / 1000) })] })), status: 400, code: 'validation_failed', field: 'samples[0].received_at' },
      { name: 'a seq beyond a Postgres integer', send: () => post(batch({ samples: [sample({ seq: 3_000_000_000 })] })), status: 400, code: 'validation_failed', field: 'samples[0].seq' },
      { name: 'an id beyond a safe integer', send: () => post(batch({ samples: [sample({ id: 2 ** 60 })] })), status: 400, code: 'validation_failed', field: 'samples[0].id' },
      { name: 'coverage ending before it starts', send: () => post(batch({ coverage: [{ transport: 'legacy', lane: 'primary', from: Date.now(), to: Date.now() - 1 }] })), status: 400, code: 'validation_failed', field: 'coverage[0].to' },
      { name: 'a bad observer id', send: () => post(batch({ observer: 'x' })), status: 400, code: 'validation_failed', field: 'observer' },
      { name: 'a NUL in an attached payload', send: () => post(batch({ samples: [sample({ payload: { message: 'a\u0000b' } })] })), status: 400, code: 'validation_failed', field: 'samples[0].payload.message' },
      { name: 'a lone surrogate in an attached payload', send: () => post(JSON.stringify(batch({ samples: [sample({ peer_payload: { message: 'LONE' } })] })).replace('LONE', '\\ud800')), status: 400, code: 'validation_failed', field: 'samples[0].peer_payload.message' },
      { name: 'a payload nested 5,000 deep', send: () => post(JSON.stringify(batch({ samples: [sample({ payload: { deep: 'DEEP' } })] })).replace('"DEEP"', `${'['.repeat(5_000)}${']'.repeat(5_000)}`)), status: 400, code: 'validation_failed' },
      { name: 'negative error counts', send: () => post(batch({ errors: { legacy: -1, realtime: 0 } })), status: 400, code: 'validation_failed', field: 'errors.legacy' },
      { name: 'a huge body (declared)', send: () => POST(apiRequest('/api/validation/samples', { token: user, body: hugeBody(), headers: { 'content-length': String(hugeBody().length) } })), status: 413, code: 'payload_too_large' },
      { name: 'a huge body (streamed)', send: () => POST(streamed(hugeBody())), status: 413, code: 'payload_too_large' },
      { name: 'cohort "probe" from a user', send: () => post(batch({ cohort: 'probe', browser: 'node' }), { token: probeUser }), status: 403, code: 'forbidden' },
      { name: 'no authorization', send: () => post(batch(), { token: null }), status: 401, code: 'unauthorized' },
      { name: 'an expired token', send: async () => post(batch(), { token: await userToken({ expiresIn: -10 }) }), status: 401, code: 'unauthorized' },
    ];
    for (const { name, send, status, code, field } of cases) {
      const error = await errorOf(await send());
      expect({ name, status: error.status, code: error.code }).toEqual({ name, status, code });
      if (field) expect(error.message, name).toContain(`${field}:`);
    }
    expect(await counts()).toEqual({ samples: 0, batches: 0 });
  });

  it('stores exactly the rows of a valid batch, with the observer error counters', async () => {
    const before = await counts();
    const samples = [
      sample({ lane: 'shadow', transport: 'legacy', seq: 0 }, 1),
      sample({ seq: 1, transport: 'legacy', lane: 'fallback' }, events.length - 1),
      sample({ transport: 'realtime', lane: 'primary', digest: 'aaaaaaaaaaaaaaaa', seq: 0, payload: { hits: 2 }, peer_payload: { hits: 1 } }, 2),
    ];
    const body = batch({ samples, cohort: 'realtime', browser: 'safari', errors: { legacy: 1, realtime: 3 } });
    const token = await userIn('realtime');
    const response = await post(body, { token });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ stored: 3 });
    // Stored under the caller's own namespace: nobody else can report under (or lock out) this observer id.
    const key = `${(JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { sub: string }).sub}:${String(body.observer)}`;

    const { rows } = await db().query(
      `select observer, cohort, browser, event_id, event_seq, stream, transport, lane, emitted_ms, received_ms, digest, seq, payload, peer_payload
         from public.validation_samples where observer = $1 order by id`,
      [key],
    );
    expect(rows).toEqual(
      samples.map((s) => ({
        observer: key,
        cohort: 'realtime',
        browser: 'safari',
        event_id: s.event_id,
        event_seq: s.id,
        stream: s.stream,
        transport: s.transport,
        lane: s.lane,
        emitted_ms: s.emitted_at,
        received_ms: s.received_at,
        digest: s.digest,
        seq: s.seq,
        payload: s.payload ?? null,
        peer_payload: s.peer_payload ?? null,
      })),
    );
    const errors = await db().query('select cohort, browser, legacy_errors, realtime_errors, legacy_deliveries, realtime_deliveries from public.validation_errors where observer = $1', [key]);
    expect(errors.rows).toEqual([{ cohort: 'realtime', browser: 'safari', legacy_errors: 1, realtime_errors: 3, legacy_deliveries: 2, realtime_deliveries: 1 }]);
    expect(await counts()).toEqual({ samples: before.samples + 3, batches: before.batches + 1 });
  });

  it('accepts a batch of exactly 1,000 samples and an empty one that only reports errors', async () => {
    const before = await counts();
    expect((await post(batch({ samples: Array.from({ length: 1_000 }, (_, i) => sample({ seq: i })) }))).status).toBe(202);
    const empty = await post(batch({ samples: [], errors: { legacy: 0, realtime: 1 } }));
    expect(await empty.json()).toEqual({ stored: 0 });
    expect(await counts()).toEqual({ samples: before.samples + 1_000, batches: before.batches + 2 });
  });

  it('lets the service role (the probe) report as cohort "probe"', async () => {
    const body = batch({ cohort: 'probe', browser: 'node', observer: `probe-${randomUUID().slice(0, 8)}` });
    const response = await post({ ...body, samples: [sample({ transport: 'legacy', lane: 'baseline' })] }, { token: await serviceRoleKey() });
    expect(response.status).toBe(202);
    const { rows } = await db().query("select s.cohort, o.subject, o.trusted from public.validation_samples s join public.validation_observers o using (observer) where observer = 'probe:' || $1", [body.observer]);
    expect(rows).toEqual([{ cohort: 'probe', subject: 'probe', trusted: true }]);
    // …and only as the probe: the service role is no browser.
    expect(await errorOf(await post(batch(), { token: await serviceRoleKey() }))).toMatchObject({ status: 403, code: 'forbidden' });
  });

  it('rate-limits each caller with 429 and Retry-After, storing only the accepted batches', async () => {
    const flooder = await userIn('shadow');
    const bystander = await userIn('shadow');
    const before = await counts();
    const responses = await Promise.all(Array.from({ length: 300 }, () => post(batch({ errors: { legacy: 0, realtime: 0 } }), { token: flooder })));
    const accepted = responses.filter((r) => r.status === 202).length;
    const limited = responses.filter((r) => r.status === 429);
    expect(accepted + limited.length).toBe(300);
    // A user's burst allowance is 30 batches (a few tabs catching up), refilled at 5 a second.
    expect(accepted).toBeGreaterThanOrEqual(30);
    expect(limited.length).toBeGreaterThan(0);
    for (const response of limited) {
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await errorOf(response)).code).toBe('rate_limited');
    }
    expect(await counts()).toEqual({ samples: before.samples + accepted, batches: before.batches + accepted });
    // Another caller has a bucket of its own.
    expect((await post(batch(), { token: bystander })).status).toBe(202);
  });
});

describe('evidence a caller cannot have observed', () => {
  /** What the caller was charged for, per refusal code. */
  async function rejections(token: string): Promise<Record<string, number>> {
    const sub = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { sub: string };
    const { rows } = await db().query<{ code: string; count: number }>('select code, count from public.validation_rejections where subject = $1', [sub.sub]);
    return Object.fromEntries(rows.map((row) => [row.code, row.count]));
  }

  it('refuses, whole and with a reason naming the field, what the caller cannot have seen — and counts it against the caller', async () => {
    const onRealtime = await userIn('realtime');
    const other = await userIn('shadow');
    // A user of its own: the batch limiter is per user, and the other stories here post as `user`.
    const me = await userIn('shadow');
    expect((await post(batch(), { token: other })).status).toBe(202);
    const before = await counts();
    const now = Date.now();
    const cases: Array<{ name: string; body: Record<string, unknown>; token?: string; field: string; code: string }> = [
      {
        // Issue 10: one viewer's batch with a million Realtime errors rolled stage 50 back.
        name: 'a million errors in one report',
        body: { observer: 'tab-not-really-a-tab', cohort: 'realtime', browser: 'chrome', clock_offset_ms: 0, errors: { legacy: 0, realtime: 1_000_000 }, samples: [] },
        token: onRealtime,
        field: 'errors.realtime',
        code: 'implausible_errors',
      },
      { name: 'a cohort the caller is not in', body: batch({ cohort: 'realtime', samples: [] }), field: 'cohort', code: 'wrong_cohort' },
      { name: 'a lane its cohort does not have', body: batch({ samples: [sample({ transport: 'realtime', lane: 'primary' })] }), field: 'samples[0].lane', code: 'wrong_lane' },
      { name: 'the probe’s baseline lane from a browser', body: batch({ samples: [sample({ transport: 'legacy', lane: 'baseline' })] }), field: 'samples[0].lane', code: 'wrong_lane' },
      { name: 'an event that was never stored', body: batch({ samples: [sample(), sample({ event_id: randomUUID() })] }), field: 'samples[1].event_id', code: 'unknown_event' },
      { name: 'a stored event with another id', body: batch({ samples: [sample({ id: 999_999 })] }), field: 'samples[0].id', code: 'unknown_event' },
      { name: 'a stored event with another emission time', body: batch({ samples: [sample({ emitted_at: (events[0]?.emitted_ms ?? 0) - 60_000, received_at: now })] }), field: 'samples[0].emitted_at', code: 'unknown_event' },
      { name: 'received before it was emitted', body: batch({ samples: [sample({ received_at: (events[0]?.emitted_ms ?? 0) - 60_000 })] }), field: 'samples[0].received_at', code: 'implausible_time' },
      { name: 'coverage in the future', body: batch({ samples: [], coverage: [{ transport: 'legacy', lane: 'primary', from: now + 60_000, to: null }] }), field: 'coverage[0]', code: 'implausible_time' },
      { name: 'coverage from long before it first reported', body: batch({ samples: [], coverage: [{ transport: 'legacy', lane: 'primary', from: now - 3_600_000, to: null }] }), field: 'coverage[0].from', code: 'implausible_time' },
    ];
    for (const { name, body, token, field, code } of cases) {
      const error = await errorOf(await post(body, { token: token ?? me }));
      expect({ name, status: error.status, code: error.code }).toEqual({ name, status: 422, code: 'implausible_evidence' });
      expect(error.message, name).toContain(`${field}:`);
      expect(await rejections(token ?? me), name).toHaveProperty(code);
    }
    expect(await counts()).toEqual(before);
    expect(await rejections(onRealtime)).toEqual({ implausible_errors: 1 });
  });

  it('keeps each caller’s observer ids apart: another user reusing an id is a different observer, and locks nobody out', async () => {
    const first = await userIn('shadow');
    const second = await userIn('shadow');
    const body = batch({ samples: [] });
    expect((await post(body, { token: first })).status).toBe(202);
    expect((await post(body, { token: second })).status).toBe(202);
    expect((await post(body, { token: first })).status).toBe(202);
    const { rows } = await db().query<{ n: number }>("select count(*)::int as n from public.validation_observers where observer like '%:' || $1", [body.observer]);
    expect(rows[0]?.n).toBe(2);
  });

  it('accepts errors a real client can have had since its last report', async () => {
    const token = await userIn('shadow');
    const tab = batch({ samples: [], errors: { legacy: 0, realtime: 3 } });
    expect((await post(tab, { token })).status).toBe(202);
    // Right after: a few more is plausible, hundreds are not.
    expect((await post({ ...tab, errors: { legacy: 2, realtime: 2 } }, { token })).status).toBe(202);
    expect(await errorOf(await post({ ...tab, errors: { legacy: 0, realtime: 500 } }, { token }))).toMatchObject({ status: 422, code: 'implausible_evidence' });
  });
});
