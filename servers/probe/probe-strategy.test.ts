import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type RolloutConfig } from '@/lib/rollout/config';
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
let config: RolloutConfig = { ...DEFAULT_CONFIG, stage: 'shadow', strategyByStage: { shadow: 'broadcast' } };

beforeAll(async () => {
  postgres = await startThrowawayPostgres({ seed: false });
  pool = tolerateShutdown(new pg.Pool({ connectionString: postgres.databaseUrl, max: 2 }));
  realtime = await startRealtimeServer({ port: 0, jwtSecret: JWT_SECRET, databaseUrl: postgres.databaseUrl });
  // The app's two routes the probe calls: samples (accepted) and the rollout config (the stage's strategy).
  app = await serveRoute(async (request) => {
    if (new URL(request.url).pathname === '/api/rollout/config') {
      return Response.json({ config, audit: [] });
    }
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

async function insertMetric(): Promise<void> {
  const data = sampleData('cache_metrics', 1);
  const columns = Object.keys(data);
  await pool.query(`insert into public.cache_metrics (event_id, ${columns.join(', ')}) values (gen_random_uuid(), ${columns.map((_, i) => `$${i + 1}`).join(', ')})`, Object.values(data));
}

describe('the probe’s Realtime lane follows the strategy the stage rolls out', () => {
  it('observes broadcast when the stage says so, and postgres_changes again after the stage changes', async () => {
    probe = await startProbe({
      supabaseUrl: realtime.url,
      anonKey: await signApiKey(JWT_SECRET, 'anon'),
      jwtSecret: JWT_SECRET,
      // No legacy feed here: those lanes keep retrying; only the Realtime lane is under test.
      legacyWsUrl: 'ws://127.0.0.1:9/never',
      samplesUrl: `${app.origin}/api/validation/samples`,
      serviceRoleKey: await signApiKey(JWT_SECRET, 'service_role'),
      baseline: false,
      strategyPollMs: 200,
    });
    const running = probe;
    await waitUntil(() => running.stats().realtimeStrategy === 'broadcast' && running.stats().lanes.realtime?.phase === 'live', 'the realtime lane live on broadcast', 15_000);
    const before = running.stats().lanes.realtime?.events ?? 0;
    await insertMetric();
    await waitUntil(() => (running.stats().lanes.realtime?.events ?? 0) > before, 'a delivery over broadcast', 10_000);
    expect(realtime.realtime.stats().channels).toBe(2);

    config = { ...config, stage: '25' };
    await waitUntil(() => running.stats().realtimeStrategy === 'postgres_changes' && running.stats().lanes.realtime?.phase === 'live', 'the realtime lane live on postgres_changes', 15_000);
    const after = running.stats().lanes.realtime?.events ?? 0;
    await insertMetric();
    await waitUntil(() => (running.stats().lanes.realtime?.events ?? 0) > after, 'a delivery over postgres_changes', 10_000);
    expect(realtime.realtime.stats().channels).toBe(1);
  });
});
