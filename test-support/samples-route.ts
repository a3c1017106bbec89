import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { POST } from '@/app/api/validation/samples/route';
import { db } from '@/lib/db/pool';
import type { Cohort } from '@/lib/rollout/config';
import { changeConfig } from '@/lib/rollout/server/config-store';
import { invalidateRolloutConfig } from '@/lib/rollout/server/server-config';
import { apiRequest, userToken } from '@/test-support/api';
import { setTestEnv } from '@/test-support/ingest';
import { startThrowawayPostgres, type ThrowawayPostgres } from '@/test-support/throwaway-postgres';

export interface StoredEvent {
  event_id: string;
  id: number;
  stream: 'cache_metrics';
  emitted_ms: number;
}

/**
 * The samples route over a real Postgres for one test file: registers its hooks (a throwaway
 * cluster, 50 stored cache_metrics rows to name in samples) and returns the helpers the
 * route's black-box tests share.
 */
export function samplesRouteKit() {
  let postgres: ThrowawayPostgres;
  let events: StoredEvent[] = [];

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

  return {
    /** The stored rows (filled by the file's beforeAll). */
    events: () => events,
    /** A user put in `cohort` by an override, with a token. */
    async userIn(cohort: Cohort, sub = randomUUID()): Promise<{ sub: string; token: string }> {
      await changeConfig(db(), { actor: { id: null, email: 'test' }, commands: [{ type: 'set-override', userId: sub, cohort }], reason: 'test cohort' });
      invalidateRolloutConfig();
      return { sub, token: await userToken({ sub }) };
    },
    /** A realtime shadow-lane sample of stored event `n`. */
    sample(overrides: Record<string, unknown> = {}, n = 0): Record<string, unknown> {
      const event = events[n] as StoredEvent;
      return { event_id: event.event_id, id: event.id, stream: event.stream, transport: 'realtime', lane: 'shadow', received_at: event.emitted_ms + 12, emitted_at: event.emitted_ms, digest: '00ff00ff00ff00ff', seq: 0, ...overrides };
    },
    batch(overrides: Record<string, unknown> = {}): Record<string, unknown> {
      return { observer: `tab-${randomUUID()}`, cohort: 'shadow', browser: 'chrome', clock_offset_ms: 0, samples: [], ...overrides };
    },
    post: (body: unknown, token: string) => POST(apiRequest('/api/validation/samples', { token, body })),
  };
}
