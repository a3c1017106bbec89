import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { signApiKey } from '../servers/local-supabase/secrets.js';
import { startThrowawayPostgres } from '../test-support/throwaway-postgres.js';
import { round, type BenchModule, type BenchRow } from './harness.js';
import { forkChild, type ChildRpc } from './support/child-rpc.js';
import { printCpuProfile } from './support/cpu-profile-summary.js';
import { spawnLegacyServer, spawnRealtimeServer, type ServerProcess } from './support/server-process.js';
import { stepMetrics } from './support/step-metrics.js';
import { openRig, type StepMeasurement } from './support/transport-rig.js';
import type { OpenWriter } from './support/writer.js';

const RATE = 200;
const SECONDS = 15;
const WARMUP_SECONDS = 2;
const DRAIN_MS = 10_000;
const LOAD_PROCESSES = 2;
const TABLE = 'Delivery latency (ingest → client callback)';
const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Phase {
  kind: 'realtime' | 'legacy';
  load: number;
  probes: number;
  note: string;
}

const PHASES: Phase[] = [
  { kind: 'realtime', load: 180, probes: 20, note: 'ratio pair' },
  { kind: 'legacy', load: 180, probes: 20, note: 'ratio pair' },
  { kind: 'realtime', load: 0, probes: 50, note: 'target p99 ≤ 15 ms' },
  { kind: 'legacy', load: 0, probes: 50, note: 'context' },
];

/**
 * Both transports behind the app's real ingest path (`acceptIngest`: insert → logical
 * replication → Realtime, and the legacy publisher → legacy feed), both servers running in
 * processes of their own for the whole run, at 200 events/s. Per phase one transport's
 * subscribers: 200 = 180 lightweight raw-WebSocket clients (two processes, the load) + 20 of
 * the dashboard's own transport clients (supabase-js for Realtime, the legacy transport; a
 * process of their own, the latency probe); then 50 of those clients alone. Latency = client
 * receipt − ingest call, on the machine clock with each process's offset corrected.
 * `--profile` writes `--cpu-prof` profiles of the Realtime server and the client processes.
 */
export const deliveryBench: BenchModule = {
  id: 'delivery',
  title: 'End-to-end delivery: ingest → client callback, both transports',
  async run(): Promise<BenchRow[]> {
    const loadAtStart = round(loadavg()[0] ?? 0, 1);
    const jwtSecret = randomBytes(32).toString('base64url');
    const publishKey = randomBytes(32).toString('base64url');
    const profileDir = process.argv.includes('--profile') ? await mkdtemp(path.join(tmpdir(), 'delivery-prof-')) : undefined;
    const postgres = await startThrowawayPostgres({ seed: false });
    const cleanup: Array<() => Promise<void>> = [() => postgres.stop()];
    const rows: BenchRow[] = [];
    try {
      const realtime = await spawnRealtimeServer({ jwtSecret, databaseUrl: postgres.databaseUrl, cpuProfDir: profileDir });
      cleanup.unshift(() => realtime.close());
      const legacy = await spawnLegacyServer({ jwtSecret, publishKey });
      cleanup.unshift(() => legacy.close());
      const writer = forkChild(fileURLToPath(new URL('./support/writer.ts', import.meta.url)));
      cleanup.unshift(() => writer.stop());
      await writer.call('open', { mode: 'ingest', databaseUrl: postgres.databaseUrl, publishUrl: legacy.publishUrl, publishKey } satisfies OpenWriter);
      const anonKey = await signApiKey(jwtSecret, 'anon');
      const measured: StepMeasurement[] = [];
      for (const phase of PHASES) {
        const server = phase.kind === 'realtime' ? realtime : legacy;
        const step = await runPhase(server, writer, postgres.databaseUrl, jwtSecret, anonKey, phase, profileDir);
        measured.push(step);
        rows.push(row(phase, step));
      }
      const [realtimePair, legacyPair] = measured;
      if (realtimePair && legacyPair) {
        rows.push({
          table: TABLE,
          name: `realtime p99 / legacy p99 · ${RATE} ev/s · 200 subscribers`,
          metrics: { 'probe p99 ms': round(realtimePair.probeLatency.p99 / legacyPair.probeLatency.p99, 2), 'p99 ms': round(realtimePair.latency.p99 / legacyPair.latency.p99, 2) },
          note: `target ≤ 1.5 (the dashboard's clients, "probe p99"); load avg ${loadAtStart} at start, ${round(loadavg()[0] ?? 0, 1)} at end`,
        });
      }
      return rows;
    } finally {
      for (const step of cleanup) await step().catch((error: unknown) => console.error(`bench: cleanup failed: ${String(error)}`));
      if (profileDir) {
        await printCpuProfile(profileDir, 'Realtime server CPU profile', ROOT);
        await printCpuProfile(path.join(profileDir, 'clients'), 'Client processes CPU profile (largest)', ROOT);
      }
    }
  },
};

async function runPhase(server: ServerProcess, writer: ChildRpc, databaseUrl: string, jwtSecret: string, anonKey: string, phase: Phase, profileDir: string | undefined): Promise<StepMeasurement> {
  const rig = await openRig({
    server,
    databaseUrl,
    writer,
    jwtSecret,
    anonKey: phase.kind === 'realtime' ? anonKey : undefined,
    loadProcesses: phase.load > 0 ? LOAD_PROCESSES : 0,
    loadSubscribers: phase.load,
    probeSubscribers: phase.probes,
    clientProfileDir: profileDir && path.join(profileDir, 'clients'),
  });
  try {
    // Warm-up (JIT, prepared statements, pools); measured from an empty pipeline afterwards.
    await rig.measure(RATE, WARMUP_SECONDS, DRAIN_MS);
    return await rig.measure(RATE, SECONDS, DRAIN_MS);
  } finally {
    await rig.close();
  }
}

function row(phase: Phase, step: StepMeasurement): BenchRow {
  const subscribers = phase.load + phase.probes;
  const clients = phase.load > 0 ? `${phase.load} raw + ${phase.probes} ${phase.kind === 'realtime' ? 'supabase-js' : 'ws (legacy JSON)'} clients` : `${phase.probes} ${phase.kind === 'realtime' ? 'supabase-js' : 'ws (legacy JSON)'} clients in one process`;
  const ingest = step.writeLatency;
  return {
    table: TABLE,
    name: `${phase.kind} · ${RATE} ev/s · ${subscribers} subscribers · ${SECONDS} s`,
    metrics: { ...stepMetrics(step), 'ingest p50 ms': round(ingest.p50, 1), 'ingest p99 ms': round(ingest.p99, 1) },
    note: [
      `${phase.note}; ${clients}`,
      phase.kind === 'realtime' ? 'postgres_changes over logical replication' : 'app legacy publisher → /internal/publish',
      step.write.errors.length > 0 ? `${step.write.errors.length} ingest errors (${step.write.errors[0]})` : '',
      step.closed > 0 ? `${step.closed} subscribers disconnected` : '',
    ]
      .filter(Boolean)
      .join('; '),
  };
}
