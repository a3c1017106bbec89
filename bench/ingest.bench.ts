import { randomBytes, randomUUID } from 'node:crypto';
import { register } from 'node:module';
import { startLegacyServer } from '../servers/legacy-ws/legacy-server.js';
import { startThrowawayPostgres } from '../test-support/throwaway-postgres.js';
import { latencySummary, round, type BenchModule, type BenchRow } from './harness.js';

const BATCH_SIZES = [1, 100, 1_000];
const SECONDS_PER_SIZE = 5;
const CONCURRENCY = 4;
/** Bodies are built before timing; this caps how many events one size may send. */
const MAX_EVENTS_PER_SIZE = 200_000;

// The route's modules start with `import 'server-only'`, which throws outside a React server
// build; Vitest aliases it to a stub, here a resolve hook does the same.
const SERVER_ONLY_STUB = `export async function resolve(specifier, context, next) {
  return specifier === 'server-only' ? { url: 'data:text/javascript,export {}', shortCircuit: true } : next(specifier, context);
}`;

function metricJson(): string {
  return `{"event_id":"${randomUUID()}","source":"bench-node","cache_name":"sessions","window_seconds":1,"hits":900,"misses":100,"evictions":3,"keys":5000,"memory_bytes":1048576,"hit_ratio":0.9,"ops_per_sec":1000,"p50_latency_ms":0.4,"p99_latency_ms":2.5}`;
}

function bodies(batchSize: number): string[] {
  const count = Math.max(50, Math.floor(MAX_EVENTS_PER_SIZE / batchSize));
  return Array.from({ length: count }, () => `{"metrics":[${Array.from({ length: batchSize }, metricJson).join(',')}],"events":[]}`);
}

/**
 * Ingest throughput: events/s accepted by the real `POST /api/ingest` handler (auth,
 * rate limit, zod, one multi-row insert, envelopes queued for the legacy feed) against a
 * throwaway Postgres, with 4 requests in flight, per batch size.
 */
export const ingestBench: BenchModule = {
  id: 'ingest',
  title: 'Ingest API throughput',
  async run(): Promise<BenchRow[]> {
    register(`data:text/javascript,${encodeURIComponent(SERVER_ONLY_STUB)}`);
    const postgres = await startThrowawayPostgres({ seed: false });
    const publishKey = randomBytes(32).toString('base64url');
    const legacy = await startLegacyServer({ port: 0, jwtSecret: randomBytes(32).toString('base64url'), publishKey });
    const ingestKey = `bench-${randomBytes(24).toString('base64url')}`;
    Object.assign(process.env, {
      SUPABASE_URL: 'http://127.0.0.1:9',
      SUPABASE_ANON_KEY: 'anon-key-anon-key-anon-key',
      SUPABASE_SERVICE_ROLE_KEY: 'service-key-service-key-service-key',
      SUPABASE_JWT_SECRET: randomBytes(32).toString('base64url'),
      DATABASE_URL: postgres.databaseUrl,
      LEGACY_WS_URL: 'ws://127.0.0.1:9/v1/feed',
      LEGACY_PUBLISH_URL: legacy.publishUrl,
      LEGACY_PUBLISH_KEY: publishKey,
      ROLLOUT_COOKIE_SECRET: randomBytes(32).toString('base64url'),
    });
    const { POST } = await import('../app/api/ingest/route.js');
    const { db } = await import('../lib/db/pool.js');
    const { registerIngestKey } = await import('../lib/ingest/ingest-keys.js');
    const { legacyPublisher } = await import('../lib/ingest/legacy-publisher.js');
    await registerIngestKey(db(), 'bench', ingestKey, { rateLimitPerS: 100_000 });
    const send = async (body: string) => {
      const response = await POST(new Request('http://127.0.0.1/api/ingest', { method: 'POST', headers: { authorization: `Bearer ${ingestKey}`, 'content-type': 'application/json' }, body }));
      if (response.status !== 200) throw new Error(`bench: ingest answered ${response.status}: ${await response.text()}`);
      await response.arrayBuffer();
    };
    const rows: BenchRow[] = [];
    try {
      for (const batchSize of BATCH_SIZES) {
        const queue = bodies(batchSize);
        for (const body of queue.splice(0, 20)) await send(body);
        const latencies: number[] = [];
        const started = performance.now();
        const deadline = started + SECONDS_PER_SIZE * 1000;
        let requests = 0;
        await Promise.all(
          Array.from({ length: CONCURRENCY }, async () => {
            for (let body = queue.pop(); body !== undefined && performance.now() < deadline; body = queue.pop()) {
              const t = performance.now();
              await send(body);
              latencies.push(performance.now() - t);
              requests += 1;
            }
          }),
        );
        const seconds = (performance.now() - started) / 1000;
        const { n: _, ...latency } = latencySummary(latencies);
        rows.push({
          table: 'Ingest throughput (events/s accepted)',
          name: `batch ${batchSize} · ${CONCURRENCY} in flight`,
          metrics: { 'events/s': Math.round((requests * batchSize) / seconds), 'requests/s': Math.round(requests / seconds), ...latency },
          note: `${requests * batchSize} events in ${round(seconds, 1)} s${queue.length === 0 ? ' (body cap reached)' : ''}`,
        });
      }
      const stats = legacyPublisher().stats();
      const last = rows.at(-1);
      if (last) last.note = `${last.note}; legacy publisher: ${stats.published} published, ${stats.dropped} dropped, ${stats.queued} queued`;
      return rows;
    } finally {
      await legacyPublisher().close();
      await db().end();
      await legacy.close();
      await postgres.stop();
    }
  },
};
