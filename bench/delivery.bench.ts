import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLegacyServer, type LegacyServer } from '../servers/legacy-ws/legacy-server.js';
import { signApiKey } from '../servers/local-supabase/secrets.js';
import { startThrowawayPostgres } from '../servers/testing/throwaway-postgres.js';
import { latencySummary, round, type BenchModule, type BenchRow } from './harness.js';
import { createBenchIngest, pacedIngest, type BenchIngest } from './support/bench-ingest.js';
import { clockOffset, forkChild, loopBusy, type ChildRpc, type LoopSample } from './support/child-rpc.js';
import { cpuSeconds, sleep } from './support/clock.js';
import type { DeliveryResult, OpenClients } from './support/delivery-clients.js';
import { printCpuProfile } from './support/cpu-profile-summary.js';
import { spawnRealtimeServer, type RealtimeServerProcess } from './support/realtime-server-process.js';

const CLIENTS = 200;
const RATE = 200;
const SECONDS = 15;
/** Context rows: the same path with few clients, so client-side decoding cannot saturate a core. */
const FEW_CLIENTS = 20;
const FEW_SECONDS = 8;
const WARMUP_SECONDS = 2;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
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
 * child process; latency = client callback − ingest call, on the machine clock. "loop busy" is
 * event-loop utilization: busy while CPU% is low means the process waited for a core.
 * `npm run bench -- delivery --profile` also profiles the Realtime server and client processes.
 */
export const deliveryBench: BenchModule = {
  id: 'delivery',
  title: 'End-to-end delivery: ingest → client callback, both transports',
  async run(): Promise<BenchRow[]> {
    const load = round(loadavg()[0] ?? 0, 1);
    const jwtSecret = randomBytes(32).toString('base64url');
    const publishKey = randomBytes(32).toString('base64url');
    const profileDir = process.argv.includes('--profile') ? await mkdtemp(path.join(tmpdir(), 'delivery-prof-')) : undefined;
    const postgres = await startThrowawayPostgres({ seed: false });
    const cleanup: Array<() => Promise<void>> = [() => postgres.stop()];
    try {
      const legacy = await startLegacyServer({ port: 0, jwtSecret, publishKey });
      cleanup.unshift(() => legacy.close());
      const realtime = await spawnRealtimeServer({ jwtSecret, databaseUrl: postgres.databaseUrl, cpuProfDir: profileDir });
      cleanup.unshift(() => realtime.close());
      const ingest = await createBenchIngest({ databaseUrl: postgres.databaseUrl, publishUrl: legacy.publishUrl, publishKey });
      cleanup.unshift(() => ingest.close());
      const clientsProfile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.join(profileDir, 'clients')}`] : [];
      const clients = forkChild(fileURLToPath(new URL('./support/delivery-clients.ts', import.meta.url)), { execArgv: clientsProfile });
      cleanup.unshift(() => clients.stop());
      const { offsetMs, rttMs } = await clockOffset(clients);
      const stack: Stack = { ingest, clients, offsetMs, realtime, legacy };
      const anonKey = await signApiKey(jwtSecret, 'anon');
      const clock = `client clock offset ${round(offsetMs, 3)} ms (± ${round(rttMs / 2, 3)}) corrected`;
      const rows = [
        await phase(stack, { kind: 'realtime', count: CLIENTS, jwtSecret, url: realtime.url, anonKey }, SECONDS, `official supabase-js clients, postgres_changes over logical replication; target p99 ≤ 15 ms; load avg ${load} at start; ${clock}`),
        await phase(stack, { kind: 'legacy', count: CLIENTS, jwtSecret, url: legacy.feedUrl }, SECONDS, `ws clients, publisher → HTTP /internal/publish; same run`),
        await phase(stack, { kind: 'realtime', count: FEW_CLIENTS, jwtSecret, url: realtime.url, anonKey }, FEW_SECONDS, `context: path latency when the clients are not CPU-bound`),
        await phase(stack, { kind: 'legacy', count: FEW_CLIENTS, jwtSecret, url: legacy.feedUrl }, FEW_SECONDS, `context: path latency when the clients are not CPU-bound`),
      ];
      const stats = ingest.publisherStats();
      rows[1]!.note += `; legacy publisher ${stats.published} published, ${stats.dropped} dropped`;
      rows[0]!.note += `; load avg ${round(loadavg()[0] ?? 0, 1)} at end`;
      return rows;
    } finally {
      for (const step of cleanup) await step().catch((error: unknown) => console.error(`bench: cleanup failed: ${String(error)}`));
      if (profileDir) {
        await printCpuProfile(profileDir, 'Realtime server CPU profile', ROOT);
        await printCpuProfile(path.join(profileDir, 'clients'), 'Client process CPU profile (both phases)', ROOT);
      }
    }
  },
};

async function phase(stack: Stack, spec: OpenClients, seconds: number, note: string): Promise<BenchRow> {
  const { clients, ingest } = stack;
  await clients.call('open', spec);
  // Warm-up: JIT, prepared statements, pool connections; its events are not counted, and the
  // measurement starts only once they have all arrived (or 15 s passed), with an empty pipeline.
  await clients.call('reset');
  const warmup = await pacedIngest(ingest, RATE, WARMUP_SECONDS);
  const drainBy = performance.now() + 15_000;
  while ((await clients.call<number>('received')) < warmup.issued.length * spec.count && performance.now() < drainBy) await sleep(50);
  await sleep(200);
  await clients.call('reset');
  const cpu = { main: process.cpuUsage(), realtime: await stack.realtime.cpu() };
  const loops = { clients: await clients.call<LoopSample>('loop'), realtime: await stack.realtime.rpc.call<LoopSample>('loop') };
  const started = performance.now();
  const sentBefore = spec.kind === 'realtime' ? await serverSent(stack) : 0;
  const run = await pacedIngest(ingest, RATE, seconds);
  const expected = run.issued.length * spec.count;
  // Where a backlog sits: frames the server has written vs callbacks run, when the last ingest call returns.
  const sentAtEnd = spec.kind === 'realtime' ? (await serverSent(stack)) - sentBefore : Number.NaN;
  const receivedAtEnd = await clients.call<number>('received');
  const deadline = performance.now() + 10_000;
  while ((await clients.call<number>('received')) < expected && performance.now() < deadline) await sleep(50);
  const wallS = (performance.now() - started) / 1000;
  const mainCpu = cpuSeconds(process.cpuUsage(cpu.main));
  const realtimeCpu = cpuSeconds(await stack.realtime.cpu()) - cpuSeconds(cpu.realtime);
  const busy = {
    clients: loopBusy(loops.clients, await clients.call<LoopSample>('loop')),
    realtime: loopBusy(loops.realtime, await stack.realtime.rpc.call<LoopSample>('loop')),
  };
  const result = await clients.call<DeliveryResult>('collect', { issued: run.issued.map(([id, t]) => [id, t + stack.offsetMs]) });
  await clients.call('closeAll');
  const percent = (s: number) => `${Math.round((100 * s) / wallS)} %`;
  const ack = latencySummary(run.acks);
  return {
    table: TABLE,
    name: `${spec.kind} · ${RATE} ev/s · ${spec.count} clients · ${seconds} s`,
    metrics: {
      ...result.latency,
      missing: result.missing,
      duplicates: result.duplicates,
      'ingest p50 ms': ack['p50 ms'] ?? 0,
      'ingest p99 ms': ack['p99 ms'] ?? 0,
      'ingest+legacy CPU': percent(mainCpu),
      'realtime CPU': spec.kind === 'realtime' ? percent(realtimeCpu) : '–',
      'clients CPU': percent(result.cpuS),
      'clients loop busy': `${Math.round(100 * busy.clients)} %`,
      'realtime loop busy': spec.kind === 'realtime' ? `${Math.round(100 * busy.realtime)} %` : '–',
    },
    note: `${note}; when ingest ended: ${spec.kind === 'realtime' ? `server had written ${pct(sentAtEnd, expected)}, ` : ''}clients had received ${pct(receivedAtEnd, expected)} of the deliveries; p50 first → last third ${result.p50ByThird[0]} → ${result.p50ByThird[1]} ms; ${run.errors.length} ingest errors${run.errors[0] ? ` (${run.errors[0]})` : ''}`,
  };
}

async function serverSent(stack: Stack): Promise<number> {
  const stats = await stack.realtime.rpc.call<{ totalDeliveries: number } | undefined>('stats');
  return stats?.totalDeliveries ?? Number.NaN;
}

function pct(part: number, whole: number): string {
  return `${Math.round((100 * part) / whole)} %`;
}
