import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POST } from '@/app/api/validation/samples/route';
import { db } from '@/lib/db/pool';
import { setTestEnv } from '@/test-support/ingest';
import type { Cohort } from '@/lib/rollout/config';
import { changeConfig } from '@/lib/rollout/server/config-store';
import { invalidateRolloutConfig } from '@/lib/rollout/server/server-config';
import { apiRequest, serviceRoleKey, userToken } from '@/test-support/api';
import { startThrowawayPostgres, type ThrowawayPostgres } from '@/test-support/throwaway-postgres';

// Review of issue 10 (the samples route and its neighbours), black-box over the route
// handlers and a real Postgres. Each test states what should hold; they fail today.

let postgres: ThrowawayPostgres;
let events: Array<{ event_id: string; id: number; stream: 'cache_metrics'; emitted_ms: number }>;

async function userIn(cohort: Cohort, sub = randomUUID()): Promise<{ sub: string; token: string }> {
  await changeConfig(db(), { actor: { id: null, email: 'test' }, commands: [{ type: 'set-override', userId: sub, cohort }], reason: 'test cohort' });
  invalidateRolloutConfig();
  return { sub, token: await userToken({ sub }) };
}

beforeAll(async () => {
  postgres = await startThrowawayPostgres();
  setTestEnv({ databaseUrl: postgres.databaseUrl, publishUrl: 'http://127.0.0.1:9/internal/publish' });
  const { rows } = await db().query<{ event_id: string; id: string; emitted_ms: string }>(
    `insert into public.cache_metrics (event_id, source, cache_name, hits, misses, hit_ratio, evictions, keys, memory_bytes, ops_per_sec, p50_latency_ms, p99_latency_ms)
     select gen_random_uuid(), 'test', 'sessions', 9, 1, 0.9, 0, 10, 100, 10, 0.1, 0.2 from generate_series(1, 50)
     returning event_id, id, floor(extract(epoch from emitted_at) * 1000)::bigint as emitted_ms`,
  );
  events = rows.map((r) => ({ event_id: r.event_id, id: Number(r.id), stream: 'cache_metrics', emitted_ms: Number(r.emitted_ms) }));
});

afterAll(async () => {
  await db().end();
  await postgres?.stop();
});

function sample(overrides: Record<string, unknown> = {}, n = 0): Record<string, unknown> {
  const event = events[n] as (typeof events)[number];
  return { event_id: event.event_id, id: event.id, stream: event.stream, transport: 'realtime', lane: 'shadow', received_at: event.emitted_ms + 12, emitted_at: event.emitted_ms, digest: '00ff00ff00ff00ff', seq: 0, ...overrides };
}

function batch(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { observer: `tab-${randomUUID()}`, cohort: 'shadow', browser: 'chrome', clock_offset_ms: 0, samples: [], ...overrides };
}

const post = (body: unknown, token: string) => POST(apiRequest('/api/validation/samples', { token, body }));

describe('review: the probe is an observer nobody else can impersonate — or lock out', () => {
  it('a viewer who reports first under the probe’s next observer id (probe-<host>-<pid>, shown in every viewer’s discrepancy log) does not stop the probe from reporting', async () => {
    const viewer = await userIn('shadow');
    // The probe names itself `probe-${hostname}-${process.pid}` (servers/probe/probe.ts): guessable, and pids are few.
    const probeObserver = `probe-${hostname().replace(/[^A-Za-z0-9_-]/g, '').slice(0, 20)}-4242`;
    await post(batch({ observer: probeObserver }), viewer.token);
    const probe = await post(batch({ observer: probeObserver, cohort: 'probe', browser: 'node', samples: [sample({ transport: 'legacy', lane: 'baseline' })] }), await serviceRoleKey());
    // Today: 422 observer_taken — the trusted baseline is refused, every gate waits (or no longer sees a real breach).
    expect(probe.status).toBe(202);
  });
});
