import { loadavg } from 'node:os';
import pg from 'pg';
import { createRateLimiter } from '../lib/api/rate-limiter.js';
import { createSharedRateLimiter } from '../lib/api/shared-rate-limiter.js';
import { startThrowawayPostgres } from '../test-support/throwaway-postgres.js';
import { latencySummary, round, type BenchModule, type BenchRow } from './harness.js';

const TABLE = 'Rate-limit check: in memory vs shared through Postgres';
const CHECKS = 5_000;

/**
 * What sharing the ingest/samples limits between app instances costs per request: one
 * `select public.take_rate_limit(…)` round trip on loopback (embedded Postgres 18, unlogged
 * table), sequential and with 8 concurrent callers (one hot key: the row lock serialises them;
 * distinct keys: they do not), against the in-memory bucket it replaced.
 */
export const rateLimitBench: BenchModule = {
  id: 'rate-limit',
  title: 'Shared rate limits (issue 17)',
  async run(): Promise<BenchRow[]> {
    const load = round(loadavg()[0] ?? 0, 1);
    const postgres = await startThrowawayPostgres({ seed: false });
    const pool = new pg.Pool({ connectionString: postgres.databaseUrl, max: 8 });
    pool.on('error', () => undefined);
    const rows: BenchRow[] = [];
    try {
      const shape = { capacity: 1e9, perSecond: 1e9 };
      const memory = createRateLimiter(shape);
      const started = process.hrtime.bigint();
      for (let i = 0; i < CHECKS * 20; i += 1) memory.take(`k${i % 100}`);
      const memoryUs = Number(process.hrtime.bigint() - started) / (CHECKS * 20) / 1000;
      rows.push({ table: TABLE, name: 'in memory (per instance, before)', metrics: { 'checks/s': Math.round(1e6 / memoryUs), 'p50 ms': round(memoryUs / 1000, 4) }, note: `not shared: N instances allow N × the limit · load ${load}` });

      const shared = createSharedRateLimiter(pool, 'bench', shape);
      for (let i = 0; i < 500; i += 1) await shared.take('warm');
      const timeSequential = async (key: (i: number) => string) => {
        const samples: number[] = [];
        const t0 = performance.now();
        for (let i = 0; i < CHECKS; i += 1) {
          const t = performance.now();
          await shared.take(key(i));
          samples.push(performance.now() - t);
        }
        return { samples, seconds: (performance.now() - t0) / 1000 };
      };
      const sequential = await timeSequential(() => 'hot');
      rows.push({ table: TABLE, name: 'Postgres · 1 caller · one key', metrics: { 'checks/s': Math.round(CHECKS / sequential.seconds), ...pick(latencySummary(sequential.samples)) }, note: 'one round trip per request' });

      for (const [label, key] of [
        ['one hot key', () => 'hot'],
        ['distinct keys', (i: number) => `k${i % 1_000}`],
      ] as const) {
        const samples: number[] = [];
        const t0 = performance.now();
        let next = 0;
        await Promise.all(
          Array.from({ length: 8 }, async () => {
            while (next < CHECKS) {
              const i = next++;
              const t = performance.now();
              await shared.take(key(i));
              samples.push(performance.now() - t);
            }
          }),
        );
        const seconds = (performance.now() - t0) / 1000;
        rows.push({ table: TABLE, name: `Postgres · 8 concurrent · ${label}`, metrics: { 'checks/s': Math.round(CHECKS / seconds), ...pick(latencySummary(samples)) }, note: label === 'one hot key' ? 'row lock serialises one caller’s checks' : 'many callers' });
      }
    } finally {
      await pool.end();
      await postgres.stop();
    }
    return rows;
  },
};

function pick(summary: Record<string, number>): Record<string, number> {
  return { 'p50 ms': summary['p50 ms'] ?? 0, 'p99 ms': summary['p99 ms'] ?? 0 };
}
