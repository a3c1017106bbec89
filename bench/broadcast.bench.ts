import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { planQuotas, type Plan } from '../lib/validation/engine/plan-quotas.js';
import { signApiKey } from '../servers/local-supabase/secrets.js';
import { startThrowawayPostgres } from '../test-support/throwaway-postgres.js';
import { round, type BenchModule, type BenchRow } from './harness.js';
import { forkChild } from './support/child-rpc.js';
import { spawnLegacyServer, spawnRealtimeServer } from './support/server-process.js';
import { stepMetrics } from './support/step-metrics.js';
import { openRig, type StepMeasurement } from './support/transport-rig.js';
import type { OpenWriter } from './support/writer.js';

const RATE = 200;
const SECONDS = 15;
const WARMUP_SECONDS = 2;
const DRAIN_MS = 10_000;
const PROBES = 50;
const TABLE = 'Legacy vs postgres_changes vs Broadcast from Database (write → client callback)';
const ECONOMY = 'Message economy: msgs/s per viewer and viewers per plan at the simulator default';
/** The simulator at its default `--rate 20`: 3 caches × 7 windows/s, one ingest batch per window (servers/simulator/README.md). */
const SIMULATOR = { rowsPerSecond: 21, batchesPerSecond: 7 };

interface Phase {
  strategy: 'legacy' | 'postgres_changes' | 'broadcast';
  /** What the database triggers send (monitoring_broadcast_settings.envelope). */
  envelope: 'off' | 'row' | 'batch';
  label: string;
  /** Raw-WebSocket subscribers beside the probes (two processes). */
  load: number;
  probes: number;
}

const PHASES: Phase[] = [
  { strategy: 'legacy', envelope: 'off', label: 'legacy', load: 0, probes: PROBES },
  { strategy: 'postgres_changes', envelope: 'off', label: 'postgres_changes', load: 0, probes: PROBES },
  { strategy: 'broadcast', envelope: 'row', label: 'broadcast · per row', load: 0, probes: PROBES },
  { strategy: 'broadcast', envelope: 'batch', label: 'broadcast · batched', load: 0, probes: PROBES },
  { strategy: 'legacy', envelope: 'off', label: 'legacy', load: 180, probes: 20 },
  { strategy: 'postgres_changes', envelope: 'off', label: 'postgres_changes', load: 180, probes: 20 },
  { strategy: 'broadcast', envelope: 'row', label: 'broadcast · per row', load: 180, probes: 20 },
  { strategy: 'broadcast', envelope: 'batch', label: 'broadcast · batched', load: 180, probes: 20 },
];

/**
 * The legacy feed and the two Realtime strategies side by side in one run, each server in its
 * own process, same Postgres, same clients' structure (legacy: the app's legacy publisher after
 * the same INSERT into an unpublished twin table, as ingest publishes after commit): 50 official supabase-js clients (one process, each a signed-in user), then 200
 * subscribers (180 raw WebSocket clients in two processes + 20 supabase-js probes), 200 rows/s
 * written as one INSERT per 10 ms tick (so a batched envelope carries ~2 rows); the legacy twin
 * table carries cache_metrics' rollup trigger, so Postgres does the same work for every phase
 * (each row's stamped source is new: the rollup's capped worst case). postgres_changes
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
      const publishKey = randomBytes(32).toString('base64url');
      const legacy = await spawnLegacyServer({ jwtSecret, publishKey });
      cleanup.unshift(() => legacy.close());
      const writerPath = fileURLToPath(new URL('./support/writer.ts', import.meta.url));
      const writer = forkChild(writerPath);
      cleanup.unshift(() => writer.stop());
      await writer.call('open', { mode: 'insert', databaseUrl: postgres.databaseUrl } satisfies OpenWriter);
      const publisher = forkChild(writerPath);
      cleanup.unshift(() => publisher.stop());
      await publisher.call('open', { mode: 'publish', databaseUrl: postgres.databaseUrl, publishUrl: legacy.publishUrl, publishKey } satisfies OpenWriter);
      const anonKey = await signApiKey(jwtSecret, 'anon');
      for (const phase of PHASES) {
        await admin.query('update public.monitoring_broadcast_settings set envelope = $1', [phase.envelope]);
        const isLegacy = phase.strategy === 'legacy';
        const rig = await openRig({
          server: isLegacy ? legacy : realtime,
          databaseUrl: postgres.databaseUrl,
          writer: isLegacy ? publisher : writer,
          jwtSecret,
          anonKey: isLegacy ? undefined : anonKey,
          loadProcesses: phase.load > 0 ? 2 : 0,
          loadSubscribers: phase.load,
          probeSubscribers: phase.probes,
          ...(phase.strategy === 'legacy' ? {} : { probeStrategy: phase.strategy }),
        });
        let step: StepMeasurement;
        try {
          await rig.measure(RATE, WARMUP_SECONDS, DRAIN_MS);
          step = await rig.measure(RATE, SECONDS, DRAIN_MS);
        } finally {
          await rig.close();
        }
        const messagesPerViewer = step.probeMessages / phase.probes / SECONDS;
        const official = phase.strategy === 'legacy' ? 'ws (legacy JSON)' : 'supabase-js';
        const clients = phase.load > 0 ? `${phase.load} raw + ${phase.probes} ${official} clients` : `${phase.probes} ${official} clients`;
        rows.push({
          table: TABLE,
          name: `${phase.label} · ${RATE} rows/s · ${clients} · ${SECONDS} s`,
          metrics: { ...stepMetrics(step), 'p95 ms': round(step.latency.p95, 1), 'msgs/s per viewer': round(messagesPerViewer, 1), 'rows per message': round(step.probeLatency.n / Math.max(1, step.probeMessages), 2) },
          note: [
            phase.strategy === 'broadcast'
              ? `${phase.load === 0 ? 'target p99 ≤ 15 ms; ' : ''}private channel, realtime.messages policy`
              : phase.strategy === 'legacy'
                ? 'the reference: INSERT, then the app legacy publisher → /internal/publish'
                : 'postgres_changes, RLS per subscriber',
            step.closed > 0 ? `${step.closed} disconnected` : '',
          ]
            .filter(Boolean)
            .join('; '),
        });
      }
      rows.push(...economyRows(`load avg ${loadAtStart} at start, ${round(loadavg()[0] ?? 0, 1)} at end (the phases ran one after another on the same 2 cores)`));
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
function economyRows(load: string): BenchRow[] {
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
    note: `quota ÷ msgs/s per viewer, capped by connections (lib/validation/engine/plan-quotas.ts); ${load}`,
  }));
}
