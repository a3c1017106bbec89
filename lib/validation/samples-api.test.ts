import { randomUUID } from 'node:crypto';
import { NextRequest } from 'next/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POST } from '@/app/api/validation/samples/route';
import { db } from '@/lib/db/pool';
import { setTestEnv } from '@/lib/ingest/ingest-test-kit';
import { apiRequest, errorOf, serviceRoleKey, userToken } from '@/lib/testing/api-test-kit';
import { startThrowawayPostgres, type ThrowawayPostgres } from '@/servers/testing/throwaway-postgres';

let postgres: ThrowawayPostgres;
let user: string;

beforeAll(async () => {
  postgres = await startThrowawayPostgres({ seed: false });
  setTestEnv({ databaseUrl: postgres.databaseUrl, publishUrl: 'http://127.0.0.1:9/internal/publish' });
  user = await userToken();
});

afterAll(async () => {
  await db().end();
  await postgres?.stop();
});

const NOW = Date.now();

function sample(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { event_id: randomUUID(), id: 41, stream: 'cache_metrics', transport: 'realtime', lane: 'shadow', received_at: NOW + 12, emitted_at: NOW, digest: '00ff00ff00ff00ff', seq: 0, ...overrides };
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
      { name: 'a bad transport', send: () => post(batch({ samples: [sample({ transport: 'carrier-pigeon' })] })), status: 400, code: 'validation_failed', field: 'samples[0].transport' },
      { name: 'a non-positive id', send: () => post(batch({ samples: [sample({ id: 0 })] })), status: 400, code: 'validation_failed', field: 'samples[0].id' },
      { name: 'a receive time in seconds', send: () => post(batch({ samples: [sample({ received_at: Math.floor(NOW / 1000) })] })), status: 400, code: 'validation_failed', field: 'samples[0].received_at' },
      { name: 'a bad observer id', send: () => post(batch({ observer: 'x' })), status: 400, code: 'validation_failed', field: 'observer' },
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
      sample({ lane: undefined, transport: 'legacy', seq: 0 }),
      sample({ stream: 'system_events', id: 7, seq: 1, transport: 'legacy' }),
      sample({ transport: 'realtime', lane: 'shadow', digest: 'aaaaaaaaaaaaaaaa', seq: 0, payload: { hits: 2 }, peer_payload: { hits: 1 } }),
    ];
    const body = batch({ samples, cohort: 'realtime', browser: 'safari', errors: { legacy: 1, realtime: 3 } });
    const response = await post(body);
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ stored: 3 });

    const { rows } = await db().query(
      `select observer, cohort, browser, event_id, event_seq, stream, transport, lane, emitted_ms, received_ms, digest, seq, payload, peer_payload
         from public.validation_samples where observer = $1 order by id`,
      [body.observer],
    );
    expect(rows).toEqual(
      samples.map((s) => ({
        observer: body.observer,
        cohort: 'realtime',
        browser: 'safari',
        event_id: s.event_id,
        event_seq: s.id,
        stream: s.stream,
        transport: s.transport,
        lane: s.lane ?? 'primary',
        emitted_ms: s.emitted_at,
        received_ms: s.received_at,
        digest: s.digest,
        seq: s.seq,
        payload: s.payload ?? null,
        peer_payload: s.peer_payload ?? null,
      })),
    );
    const errors = await db().query('select cohort, browser, legacy_errors, realtime_errors, legacy_deliveries, realtime_deliveries from public.validation_errors where observer = $1', [body.observer]);
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
    const response = await post(body, { token: await serviceRoleKey() });
    expect(response.status).toBe(202);
    const { rows } = await db().query('select cohort from public.validation_samples where observer = $1', [body.observer]);
    expect(rows).toEqual([{ cohort: 'probe' }]);
  });

  it('rate-limits each caller with 429 and Retry-After, storing only the accepted batches', async () => {
    const flooder = await userToken();
    const bystander = await userToken();
    const before = await counts();
    const responses = await Promise.all(Array.from({ length: 300 }, () => post(batch(), { token: flooder })));
    const accepted = responses.filter((r) => r.status === 202).length;
    const limited = responses.filter((r) => r.status === 429);
    expect(accepted + limited.length).toBe(300);
    expect(accepted).toBeGreaterThanOrEqual(100);
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
