/**
 * The app's real ingest path outside Next: `acceptIngest` (key check, rate limit, zod,
 * one all-or-nothing insert) with the real legacy publisher, on its own pool.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { epochMs } from './clock.js';
import { registerServerOnlyStub } from './server-only-stub.js';

export interface BenchIngest {
  /** Ingests one cache_metrics sample (with `source`); resolves with its event_id and when the call was made (epoch ms). */
  ingestOne(source?: string): Promise<{ eventId: string; calledAt: number; ackMs: number }>;
  publisherStats(): { published: number; dropped: number; queued: number };
  close(): Promise<void>;
}

export async function createBenchIngest(options: { databaseUrl: string; publishUrl: string; publishKey: string }): Promise<BenchIngest> {
  registerServerOnlyStub();
  const { acceptIngest } = await import('../../lib/ingest/accept-ingest.js');
  const { registerIngestKey } = await import('../../lib/ingest/ingest-keys.js');
  const { createIngestRateLimit } = await import('../../lib/ingest/ingest-rate-limit.js');
  const { createLegacyPublisher } = await import('../../lib/ingest/legacy-publisher.js');
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10 });
  pool.on('error', (error) => console.error(`bench: idle ingest connection lost: ${error.message}`));
  const key = `bench-${randomBytes(24).toString('base64url')}`;
  await registerIngestKey(pool, 'bench', key, { rateLimitPerS: 100_000 });
  const publisher = createLegacyPublisher({ url: options.publishUrl, key: options.publishKey });
  const deps = { pool, publisher, rateLimit: createIngestRateLimit(pool) };
  return {
    async ingestOne(source = 'bench-node') {
      const eventId = randomUUID();
      const calledAt = epochMs();
      const body = `{"metrics":[{"event_id":"${eventId}","source":${JSON.stringify(source)},"cache_name":"sessions","window_seconds":1,"hits":900,"misses":100,"evictions":3,"keys":5000,"memory_bytes":1048576,"hit_ratio":0.9,"ops_per_sec":1000,"p50_latency_ms":0.4,"p99_latency_ms":2.5}],"events":[]}`;
      await acceptIngest(new Request('http://127.0.0.1/api/ingest', { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body }), deps);
      return { eventId, calledAt, ackMs: epochMs() - calledAt };
    },
    publisherStats: () => {
      const { published, dropped, queued } = publisher.stats();
      return { published, dropped, queued };
    },
    async close() {
      await publisher.close();
      await pool.end();
    },
  };
}

/** Calls `ingestOne` `rate` times a second for `seconds`, on schedule (never waiting for the previous call). */
export async function pacedIngest(ingest: BenchIngest, rate: number, seconds: number): Promise<{ issued: Array<[string, number]>; acks: number[]; errors: string[] }> {
  const issued: Array<[string, number]> = [];
  const acks: number[] = [];
  const errors: string[] = [];
  const calls: Array<Promise<void>> = [];
  const total = Math.round(rate * seconds);
  const start = performance.now();
  for (let sent = 0; sent < total; sent += 1) {
    const wait = start + (sent * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    calls.push(
      ingest.ingestOne().then(
        ({ eventId, calledAt, ackMs }) => {
          issued.push([eventId, calledAt]);
          acks.push(ackMs);
        },
        (error: unknown) => void errors.push(error instanceof Error ? error.message : String(error)),
      ),
    );
  }
  await Promise.all(calls);
  return { issued, acks, errors };
}
