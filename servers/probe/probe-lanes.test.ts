import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SampleBatch } from '@/contracts/samples';
import { startProbe, type Probe } from '@/servers/probe/probe';
import { signApiKey } from '@/servers/local-supabase/secrets';
import { startRealtimeServer, type RealtimeServer } from '@/servers/local-supabase/realtime/start-realtime-server';
import { waitUntil } from '@/test-support/monitoring/wait-until';
import { sampleData } from '@/test-support/monitoring/sample-rows';
import { serveRoute, type ServedRoute } from '@/test-support/serve-route';
import { startThrowawayPostgres, tolerateShutdown, type ThrowawayPostgres } from '@/test-support/throwaway-postgres';

const JWT_SECRET = 'probe-strategy-test-secret-0123456789abcdef';
let postgres: ThrowawayPostgres;
let pool: pg.Pool;
let realtime: RealtimeServer;
let app: ServedRoute;
let probe: Probe | undefined;
/** Every batch the probe posted to the samples API (the app is an edge here: the probe's reports are under test). */
const batches: SampleBatch[] = [];

beforeAll(async () => {
  postgres = await startThrowawayPostgres({ seed: false });
  pool = tolerateShutdown(new pg.Pool({ connectionString: postgres.databaseUrl, max: 2 }));
  realtime = await startRealtimeServer({ port: 0, jwtSecret: JWT_SECRET, databaseUrl: postgres.databaseUrl });
  // The app's samples route: accepts and keeps every batch.
  app = await serveRoute(async (request) => {
    batches.push((await request.json()) as SampleBatch);
    return new Response(null, { status: 202 });
  });
});

afterAll(async () => {
  await probe?.close();
  await app?.close();
  await realtime?.close();
  await pool?.end();
  await postgres?.stop();
});

async function insertMetric(): Promise<string> {
  const data = sampleData('cache_metrics', 1);
  const columns = Object.keys(data);
  const { rows } = await pool.query<{ event_id: string }>(
    `insert into public.cache_metrics (event_id, ${columns.join(', ')}) values (gen_random_uuid(), ${columns.map((_, i) => `$${i + 1}`).join(', ')}) returning event_id::text`,
    Object.values(data),
  );
  return (rows[0] as { event_id: string }).event_id;
}

/** The strategies the probe reported a Realtime delivery of `eventId` on. */
const reportedOn = (eventId: string) =>
  batches
    .flatMap((batch) => batch.samples)
    .filter((sample) => sample.event_id === eventId && sample.transport === 'realtime')
    .map((sample) => `${sample.lane}:${sample.strategy}`)
    .sort();

describe('the probe observes both Realtime strategies at once', () => {
  it('reports each delivery on its own strategy’s lane, so a loss on one strategy shows on that lane only', async () => {
    probe = await startProbe({
      supabaseUrl: realtime.url,
      anonKey: await signApiKey(JWT_SECRET, 'anon'),
      jwtSecret: JWT_SECRET,
      // No legacy feed here: those lanes keep retrying; only the Realtime lanes are under test.
      legacyWsUrl: 'ws://127.0.0.1:9/never',
      samplesUrl: `${app.origin}/api/validation/samples`,
      serviceRoleKey: await signApiKey(JWT_SECRET, 'service_role'),
      baseline: false,
    });
    const running = probe;
    const live = (name: string) => running.stats().lanes[name]?.phase === 'live';
    await waitUntil(() => live('realtime:postgres_changes') && live('realtime:broadcast'), 'both realtime lanes live', 15_000);
    // One connection, both strategies' channels: the postgres_changes channel and the two private monitoring topics.
    expect(realtime.realtime.stats().channels).toBe(3);

    const both = await insertMetric();
    await waitUntil(() => reportedOn(both).length === 2, 'the event reported on both lanes', 10_000);
    expect(reportedOn(both)).toEqual(['shadow:broadcast', 'shadow:postgres_changes']);

    // postgres_changes loses everything; broadcast keeps delivering.
    realtime.realtime.faults.dropPostgresChangesRate(1);
    const dropped = await insertMetric();
    await waitUntil(() => reportedOn(dropped).length > 0, 'the event reported on the broadcast lane', 10_000);
    realtime.realtime.faults.dropPostgresChangesRate(0);
    // Delivery is in commit order and samples are reported in order: once a later event is in on postgres_changes, the dropped one never will be.
    const sentinel = await insertMetric();
    await waitUntil(() => reportedOn(sentinel).includes('shadow:postgres_changes'), 'a later event on postgres_changes', 10_000);
    expect(reportedOn(dropped)).toEqual(['shadow:broadcast']);

    // Both lanes vouch for their own stretch: coverage names each strategy.
    const covered = new Set(batches.flatMap((batch) => batch.coverage).filter((c) => c.transport === 'realtime').map((c) => c.strategy));
    expect([...covered].sort()).toEqual(['broadcast', 'postgres_changes']);
  });
});
