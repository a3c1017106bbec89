import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { planQuotas, type Plan } from '../lib/validation/engine/plan-quotas.js';
import { signApiKey } from '../servers/local-supabase/secrets.js';
import { startThrowawayPostgres } from '../test-support/throwaway-postgres.js';
import { round, type BenchModule, type BenchRow } from './harness.js';
import { forkChild } from './support/child-rpc.js';
import { spawnRealtimeServer } from './support/server-process.js';
import { stepMetrics } from './support/step-metrics.js';
import { openRig, type StepMeasurement } from './support/transport-rig.js';
import type { OpenWriter } from './support/writer.js';

const RATE = 200;
const SECONDS = 15;
const WARMUP_SECONDS = 2;
const DRAIN_MS = 10_000;
const PROBES = 50;
const TABLE = 'Broadcast from Database vs postgres_changes (ingest → client callback)';
const ECONOMY = 'Message economy: msgs/s per viewer and viewers per plan at the simulator default';
/** The simulator at its default `--rate 20`: 3 caches × 7 windows/s, one ingest batch per window (servers/simulator/README.md). */
const SIMULATOR = { rowsPerSecond: 21, batchesPerSecond: 7 };

interface Phase {
  strategy: 'postgres_changes' | 'broadcast';
  /** What the database triggers send (monitoring_broadcast_settings.envelope). */
  envelope: 'off' | 'row' | 'batch';
  label: string;
  /** Raw-WebSocket subscribers beside the probes (two processes). */
  load: number;
  probes: number;
}

const PHASES: Phase[] = [
  { strategy: 'postgres_changes', envelope: 'off', label: 'postgres_changes', load: 0, probes: PROBES },
  { strategy: 'broadcast', envelope: 'row', label: 'broadcast · per row', load: 0, probes: PROBES },
  { strategy: 'broadcast', envelope: 'batch', label: 'broadcast · batched', load: 0, probes: PROBES },
  { strategy: 'postgres_changes', envelope: 'off', label: 'postgres_changes', load: 180, probes: 20 },
  { strategy: 'broadcast', envelope: 'row', label: 'broadcast · per row', load: 180, probes: 20 },
  { strategy: 'broadcast', envelope: 'batch', label: 'broadcast · batched', load: 180, probes: 20 },
];

/**
 * The two Realtime strategies side by side in one run, same server process, same writer, same
 * Postgres: 50 official supabase-js clients (one process, each a signed-in user), then 200
 * subscribers (180 raw WebSocket clients in two processes + 20 supabase-js probes), 200 rows/s
 * written as one INSERT per 10 ms tick (so a batched envelope carries ~2 rows). postgres_changes
 * runs with the broadcast triggers off; broadcast per row uses `realtime.broadcast_changes`, batched
 * one `realtime.send` per statement. Messages per viewer are counted at the clients.
 */
export const broadcastBench: BenchModule = {
  id: 'broadcast',
  title: 'Realtime strategies: postgres_changes vs Broadcast from Database',
  async run(): Promise<BenchRow[]> {
    const loadAtStart = round(loadavg()[0] ?? 0, 1);
    const jwtSecret = randomBytes(32).toString('base64url');
    const postgres = await startThrowawayPostgres({ seed: false });
    const admin = new pg.Pool({ connectionString: postgres.databaseUrl, max: 1 });
    const cleanup: Array<() => Promise<void>> = [() => postgres.stop(), () => admin.end()];
    const rows: BenchRow[] = [];
    try {
      const realtime = await spawnRealtimeServer({ jwtSecret, databaseUrl: postgres.databaseUrl });
      cleanup.unshift(() => realtime.close());
      const writer = forkChild(fileURLToPath(new URL('./support/writer.ts', import.meta.url)));
      cleanup.unshift(() => writer.stop());
      await writer.call('open', { mode: 'insert', databaseUrl: postgres.databaseUrl } satisfies OpenWriter);
      const anonKey = await signApiKey(jwtSecret, 'anon');
      for (const phase of PHASES) {
        await admin.query('update public.monitoring_broadcast_settings set envelope = $1', [phase.envelope]);
        const rig = await openRig({
          server: realtime,
          databaseUrl: postgres.databaseUrl,
          writer,
          jwtSecret,
          anonKey,
          loadProcesses: phase.load > 0 ? 2 : 0,
          loadSubscribers: phase.load,
          probeSubscribers: phase.probes,
          probeStrategy: phase.strategy,
        });
        let step: StepMeasurement;
        try {
          await rig.measure(RATE, WARMUP_SECONDS, DRAIN_MS);
          step = await rig.measure(RATE, SECONDS, DRAIN_MS);
        } finally {
          await rig.close();
        }
        const messagesPerViewer = step.probeMessages / phase.probes / SECONDS;
        const clients = phase.load > 0 ? `${phase.load} raw + ${phase.probes} supabase-js clients` : `${phase.probes} supabase-js clients`;
        rows.push({
          table: TABLE,
          name: `${phase.label} · ${RATE} rows/s · ${clients} · ${SECONDS} s`,
          metrics: { ...stepMetrics(step), 'p95 ms': round(step.latency.p95, 1), 'msgs/s per viewer': round(messagesPerViewer, 1), 'rows per message': round(step.probeLatency.n / Math.max(1, step.probeMessages), 2) },
          note: [
            phase.strategy === 'broadcast' ? `${phase.load === 0 ? 'target p99 ≤ 15 ms; ' : ''}private channel, realtime.messages policy` : 'postgres_changes, RLS per subscriber',
            step.closed > 0 ? `${step.closed} disconnected` : '',
          ]
            .filter(Boolean)
            .join('; '),
        });
      }
      rows.push(...economyRows(loadAtStart));
      return rows;
    } finally {
      for (const step of cleanup) await step().catch((error: unknown) => console.error(`bench: cleanup failed: ${String(error)}`));
    }
  },
};

/**
 * At the simulator's default rate: messages per viewer (postgres_changes and per-row broadcast
 * deliver one message per row, the batched envelope one per ingest batch; both measured above as
 * rows per message) and the most viewers each plan's messages/s quota carries (connections cap too).
 */
function economyRows(loadAtStart: number): BenchRow[] {
  const strategies = [
    { name: 'postgres_changes', perViewer: SIMULATOR.rowsPerSecond },
    { name: 'broadcast · per row', perViewer: SIMULATOR.rowsPerSecond },
    { name: 'broadcast · batched', perViewer: SIMULATOR.batchesPerSecond },
  ];
  const plans: Plan[] = ['free', 'pro', 'team'];
  return strategies.map((strategy) => ({
    table: ECONOMY,
    name: `${strategy.name} · simulator default (${SIMULATOR.rowsPerSecond} rows/s in ${SIMULATOR.batchesPerSecond} batches/s)`,
    metrics: {
      'msgs/s per viewer': strategy.perViewer,
      ...Object.fromEntries(
        plans.map((plan) => [`max viewers ${plan}`, Math.min(planQuotas(plan).connections, Math.floor(planQuotas(plan).messagesPerSecond / strategy.perViewer))]),
      ),
    },
    note: `quota ÷ msgs/s per viewer, capped by connections (lib/validation/engine/plan-quotas.ts); load avg ${loadAtStart} at start`,
  }));
}
