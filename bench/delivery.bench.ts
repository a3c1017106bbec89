import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startLegacyServer, type LegacyServer } from '../servers/legacy-ws/legacy-server.js';
import { signApiKey } from '../servers/local-supabase/secrets.js';
import { startThrowawayPostgres } from '../servers/testing/throwaway-postgres.js';
import { latencySummary, round, type BenchModule, type BenchRow } from './harness.js';
import { createBenchIngest, pacedIngest, type BenchIngest } from './support/bench-ingest.js';
import { clockOffset, forkChild, type ChildRpc } from './support/child-rpc.js';
import { cpuSeconds, sleep } from './support/clock.js';
import type { DeliveryResult, OpenClients } from './support/delivery-clients.js';
import { spawnRealtimeServer, type RealtimeServerProcess } from './support/realtime-server-process.js';

const CLIENTS = 200;
const RATE = 200;
const SECONDS = 15;
const WARMUP_SECONDS = 2;
const TABLE = 'Delivery latency (ingest → client callback)';

interface Stack {
  ingest: BenchIngest;
  clients: ChildRpc;
  offsetMs: number;
  realtime: RealtimeServerProcess;
  legacy: LegacyServer;
}

/**
 * Both transports, one harness: the real ingest path (`acceptIngest` → insert → legacy
 * publisher) at 200 events/s; phase 1 measures 200 official supabase-js clients
 * (postgres_changes via the local Realtime server, its own process), phase 2 200 legacy-feed
 * `ws` clients (legacy server in this process, as the publisher's peer). Clients run in a
 * child process; latency = client callback − ingest call, on the machine clock.
 */
export const deliveryBench: BenchModule = {
  id: 'delivery',
  title: 'End-to-end delivery: ingest → client callback, both transports',
  async run(): Promise<BenchRow[]> {
    const load = round(loadavg()[0] ?? 0, 1);
    const jwtSecret = randomBytes(32).toString('base64url');
    const publishKey = randomBytes(32).toString('base64url');
    const postgres = await startThrowawayPostgres({ seed: false });
    const cleanup: Array<() => Promise<void>> = [() => postgres.stop()];
    try {
      const legacy = await startLegacyServer({ port: 0, jwtSecret, publishKey });
      cleanup.unshift(() => legacy.close());
      const realtime = await spawnRealtimeServer({ jwtSecret, databaseUrl: postgres.databaseUrl });
      cleanup.unshift(() => realtime.close());
      const ingest = await createBenchIngest({ databaseUrl: postgres.databaseUrl, publishUrl: legacy.publishUrl, publishKey });
      cleanup.unshift(() => ingest.close());
      const clients = forkChild(fileURLToPath(new URL('./support/delivery-clients.ts', import.meta.url)));
      cleanup.unshift(() => clients.stop());
      const { offsetMs, rttMs } = await clockOffset(clients);
      const stack: Stack = { ingest, clients, offsetMs, realtime, legacy };
      const anonKey = await signApiKey(jwtSecret, 'anon');
      const clock = `client clock offset ${round(offsetMs, 3)} ms (± ${round(rttMs / 2, 3)}) corrected`;
      const rows = [
        await phase(stack, { kind: 'realtime', count: CLIENTS, jwtSecret, url: realtime.url, anonKey }, `official supabase-js clients, postgres_changes over logical replication; target p99 ≤ 15 ms; load avg ${load} at start; ${clock}`),
        await phase(stack, { kind: 'legacy', count: CLIENTS, jwtSecret, url: legacy.feedUrl }, `ws clients, publisher → HTTP /internal/publish; same run`),
      ];
      const stats = ingest.publisherStats();
      rows[1]!.note += `; legacy publisher ${stats.published} published, ${stats.dropped} dropped`;
      return rows;
    } finally {
      for (const step of cleanup) await step().catch((error: unknown) => console.error(`bench: cleanup failed: ${String(error)}`));
    }
  },
};

async function phase(stack: Stack, spec: OpenClients, note: string): Promise<BenchRow> {
  const { clients, ingest } = stack;
  await clients.call('open', spec);
  // Warm-up: JIT, prepared statements, pool connections; its events are not counted.
  await pacedIngest(ingest, RATE, WARMUP_SECONDS);
  await sleep(500);
  await clients.call('reset');
  const cpu = { main: process.cpuUsage(), realtime: await stack.realtime.cpu() };
  const started = performance.now();
  const run = await pacedIngest(ingest, RATE, SECONDS);
  const expected = run.issued.length * spec.count;
  const deadline = performance.now() + 10_000;
  while ((await clients.call<number>('received')) < expected && performance.now() < deadline) await sleep(50);
  const wallS = (performance.now() - started) / 1000;
  const mainCpu = cpuSeconds(process.cpuUsage(cpu.main));
  const realtimeCpu = cpuSeconds(await stack.realtime.cpu()) - cpuSeconds(cpu.realtime);
  const result = await clients.call<DeliveryResult>('collect', { issued: run.issued.map(([id, t]) => [id, t + stack.offsetMs]) });
  await clients.call('closeAll');
  const percent = (s: number) => `${Math.round((100 * s) / wallS)} %`;
  const ack = latencySummary(run.acks);
  return {
    table: TABLE,
    name: `${spec.kind} · ${RATE} ev/s · ${spec.count} clients · ${SECONDS} s`,
    metrics: {
      ...result.latency,
      missing: result.missing,
      duplicates: result.duplicates,
      'ingest p99 ms': ack['p99 ms'] ?? 0,
      'ingest+legacy CPU': percent(mainCpu),
      'realtime CPU': spec.kind === 'realtime' ? percent(realtimeCpu) : '–',
      'clients CPU': percent(result.cpuS),
    },
    note: `${note}; ${run.errors.length} ingest errors${run.errors[0] ? ` (${run.errors[0]})` : ''}`,
  };
}
