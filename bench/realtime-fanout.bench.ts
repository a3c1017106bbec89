import { mkdtemp } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startThrowawayPostgres } from '../servers/testing/throwaway-postgres.js';
import { round, type BenchModule, type BenchRow } from './harness.js';
import { printCpuProfile } from './support/cpu-profile-summary.js';
import { stepMetrics } from './support/step-metrics.js';
import { openRig, type StepMeasurement } from './support/transport-rig.js';
import { startTransport, type TransportKind } from './support/transport-under-test.js';

const SUBSCRIBERS = 1_000;
/** Of the subscribers, this many are the dashboard's own transport clients (the latency probe). */
const PROBES = 20;
const LOAD_PROCESSES = 2;
/** Rows/s per step; × SUBSCRIBERS = offered deliveries/s. */
const RATES = [100, 200, 300, 400, 500, 600, 800];
const STEP_SECONDS = 5;
const DRAIN_MS = 5_000;
const BUDGET_MS = 150_000;
const P99_LIMIT_MS = 100;
const TARGET = 400_000;
const RATIO_TARGET = 0.6;
const TABLE = `Fan-out capacity, ${SUBSCRIBERS.toLocaleString('en')} subscribers, Realtime and legacy feed in the same run`;
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Capacity of the local Realtime server against the legacy feed, measured the same way in
 * the same run: each server alone in its process; 1,000 subscribers, of which 980 are
 * lightweight raw-WebSocket clients in two processes (Realtime: a `postgres_changes` INSERT
 * binding on a topic of their own, as the dashboard joins; legacy: auth + subscribe) and 20
 * are the dashboard's own transport clients (supabase-js / the legacy transport) in a third;
 * the writer in a fourth (Realtime: multi-row INSERTs into Postgres every 10 ms; legacy: the
 * app's legacy publisher posting the same rows). The rate steps up until deliveries plateau,
 * p99 passes 1 s or something goes missing; capacity is the best step with p99 ≤ 100 ms for
 * every client and nothing missing (a step that misses runs twice on this shared machine;
 * both attempts are reported). `--profile` writes `--cpu-prof` profiles of both servers.
 */
export const realtimeFanoutBench: BenchModule = {
  id: 'realtime-fanout',
  title: 'Local Realtime server vs legacy feed: fan-out capacity',
  async run(): Promise<BenchRow[]> {
    const loadAtStart = round(loadavg()[0] ?? 0, 1);
    const profile = process.argv.includes('--profile');
    const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length) as TransportKind | undefined;
    const postgres = await startThrowawayPostgres({ seed: false });
    const rows: BenchRow[] = [];
    const capacity: Partial<Record<TransportKind, number>> = {};
    try {
      for (const kind of ['realtime', 'legacy'] as const) {
        if (only && only !== kind) continue;
        const profileDir = profile ? await mkdtemp(path.join(tmpdir(), `${kind}-prof-`)) : undefined;
        const result = await measureTransport(kind, postgres.databaseUrl, profileDir);
        rows.push(...result.rows);
        capacity[kind] = result.best;
        if (profileDir) await printCpuProfile(profileDir, `${kind} server CPU profile`, ROOT);
      }
    } finally {
      await postgres.stop();
    }
    const load = `load avg ${loadAtStart} at start, ${round(loadavg()[0] ?? 0, 1)} at end`;
    if (capacity.realtime !== undefined && capacity.legacy !== undefined) {
      rows.push({
        table: TABLE,
        name: 'Realtime capacity / legacy capacity',
        metrics: { 'deliveries/s': round(capacity.realtime / Math.max(1, capacity.legacy), 2) },
        note: `target ≥ ${RATIO_TARGET}; ${load}`,
      });
    }
    return rows;
  },
};

async function measureTransport(kind: TransportKind, databaseUrl: string, profileDir: string | undefined): Promise<{ rows: BenchRow[]; best: number }> {
  const transport = await startTransport({ kind, databaseUrl, profileDir });
  const rows: BenchRow[] = [];
  let best = 0;
  let atTarget = `${TARGET.toLocaleString('en')} offered not reached`;
  try {
    const rig = await openRig({ ...transport, databaseUrl, loadProcesses: LOAD_PROCESSES, loadSubscribers: SUBSCRIBERS - PROBES, probeSubscribers: PROBES });
    try {
      await rig.measure(50, 2, DRAIN_MS); // warm-up: JIT, pools, TCP windows
      const started = performance.now();
      for (const rate of RATES) {
        let measured = await rig.measure(rate, STEP_SECONDS, DRAIN_MS);
        let retried = '';
        if (!passes(measured)) {
          const second = await rig.measure(rate, STEP_SECONDS, DRAIN_MS);
          const [kept, other] = second.latency.p99 < measured.latency.p99 && second.missing <= measured.missing ? [second, measured] : [measured, second];
          retried = `best of 2 attempts (other: p99 ${round(other.latency.p99, 1)} ms${other.missing > 0 ? `, ${other.missing} missing` : ''})`;
          measured = kept;
        }
        const achieved = measured.deliveries / measured.seconds;
        rows.push({ table: TABLE, name: `${kind} · ${rate} rows/s × ${SUBSCRIBERS}`, metrics: { 'offered/s': rate * SUBSCRIBERS, 'deliveries/s': Math.round(achieved), ...stepMetrics(measured) }, note: notes(measured, retried) });
        if (passes(measured)) best = Math.max(best, achieved);
        if (rate * SUBSCRIBERS === TARGET) atTarget = `p99 at ${TARGET.toLocaleString('en')} offered: ${round(measured.latency.p99, 1)} ms, ${measured.missing} missing`;
        const saturated = measured.latency.p99 > 10 * P99_LIMIT_MS || measured.missing > 0 || achieved < 0.9 * rate * SUBSCRIBERS;
        if (saturated || performance.now() - started > BUDGET_MS) break;
      }
    } finally {
      await rig.close();
    }
  } finally {
    await transport.close();
  }
  rows.push({
    table: TABLE,
    name: `${kind} capacity: best step with p99 ≤ ${P99_LIMIT_MS} ms and nothing missing`,
    metrics: { 'deliveries/s': Math.round(best) },
    note: `${kind === 'realtime' ? `target ≥ ${TARGET.toLocaleString('en')} deliveries/s` : 'the reference'} (${atTarget}); server, Postgres, clients and writer share the 2 cores; load avg ${round(loadavg()[0] ?? 0, 1)} at end`,
  });
  return { rows, best };
}

function passes(step: StepMeasurement): boolean {
  return step.missing === 0 && step.duplicates === 0 && step.latency.p99 <= P99_LIMIT_MS;
}

function notes(step: StepMeasurement, retried: string): string | undefined {
  const parts = [retried];
  if (step.closed > 0) parts.push(`${step.closed} subscribers disconnected`);
  if (step.write.errors.length > 0) parts.push(`${step.write.errors.length} write errors (${step.write.errors[0]})`);
  if (step.write.publisher && step.write.publisher.dropped > 0) parts.push(`publisher dropped ${step.write.publisher.dropped}`);
  return parts.filter(Boolean).join('; ') || undefined;
}
