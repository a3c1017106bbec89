import { mkdtemp } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startThrowawayPostgres } from '../test-support/throwaway-postgres.js';
import { round, type BenchModule, type BenchRow } from './harness.js';
import { printCpuProfile } from './support/cpu-profile-summary.js';
import { stepMetrics } from './support/step-metrics.js';
import { openRig, type Rig, type StepMeasurement } from './support/transport-rig.js';
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
 * the same run: each server alone in its process; 1,000 subscribers each, of which 980 are
 * lightweight raw-WebSocket clients in two processes (Realtime: a `postgres_changes` INSERT
 * binding on a topic of their own, as the dashboard joins; legacy: auth + subscribe) and 20
 * are full clients (supabase-js / `ws` with the legacy JSON protocol) in a third; the writer
 * in a fourth (every 10 ms one multi-row INSERT; Realtime reads it from the WAL, the legacy
 * feed gets the committed rows from the app's legacy publisher, as ingest does). Both stay up for the whole run and the steps
 * alternate between them rate by rate (the order flipping each time), so both see the same
 * machine. The rate steps up until deliveries plateau, p99 passes 1 s or something goes
 * missing; capacity is the best step with p99 ≤ 100 ms for every client and nothing missing
 * (a step that misses runs twice on this shared machine; both attempts are reported).
 * `--profile` writes `--cpu-prof` profiles of both servers; `--only=realtime|legacy`.
 */
export const realtimeFanoutBench: BenchModule = {
  id: 'realtime-fanout',
  title: 'Local Realtime server vs legacy feed: fan-out capacity',
  async run(): Promise<BenchRow[]> {
    const loadAtStart = round(loadavg()[0] ?? 0, 1);
    const profile = process.argv.includes('--profile');
    const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length) as TransportKind | undefined;
    const kinds = (['realtime', 'legacy'] as const).filter((kind) => !only || only === kind);
    const postgres = await startThrowawayPostgres({ seed: false });
    const lanes: Lane[] = [];
    try {
      for (const kind of kinds) lanes.push(await openLane(kind, postgres.databaseUrl, profile ? await mkdtemp(path.join(tmpdir(), `${kind}-prof-`)) : undefined));
      for (const lane of lanes) await lane.rig.measure(50, 2, DRAIN_MS); // warm-up: JIT, pools, TCP windows
      const started = performance.now();
      for (const [index, rate] of RATES.entries()) {
        const open = lanes.filter((lane) => !lane.done);
        if (open.length === 0 || performance.now() - started > BUDGET_MS) break;
        for (const lane of index % 2 === 0 ? open : [...open].reverse()) await step(lane, rate);
      }
    } finally {
      for (const lane of lanes) await lane.close();
      await postgres.stop();
      for (const lane of lanes) if (lane.profileDir) await printCpuProfile(lane.profileDir, `${lane.kind} server CPU profile`, ROOT);
    }
    const rows = lanes.flatMap((lane) => [...lane.rows, ...capacityRows(lane)]);
    const [realtime, legacy] = [lanes.find((lane) => lane.kind === 'realtime'), lanes.find((lane) => lane.kind === 'legacy')];
    if (realtime && legacy) {
      const ratio = legacy.best > 0 ? round(realtime.best / legacy.best, 2) : '–';
      const undefinedWhy = legacy.best > 0 ? '' : ' (not defined: no legacy step met the limit)';
      const load = `load avg ${loadAtStart} at start, ${round(loadavg()[0] ?? 0, 1)} at end`;
      rows.push(
        { table: TABLE, name: 'Realtime capacity / legacy capacity', metrics: { 'deliveries/s': ratio }, note: `target ≥ ${RATIO_TARGET}${undefinedWhy}; ${load}` },
        {
          table: TABLE,
          name: 'Realtime peak / legacy peak (nothing missing, any latency)',
          metrics: { 'deliveries/s': legacy.peak > 0 ? round(realtime.peak / legacy.peak, 2) : '–' },
          note: `context, not the target: where throughput tops out on this machine; ${load}`,
        },
      );
    }
    return rows;
  },
};

interface Lane {
  kind: TransportKind;
  rig: Rig;
  profileDir: string | undefined;
  rows: BenchRow[];
  /** Best step with p99 ≤ 100 ms and nothing missing (the target's measure). */
  best: number;
  /** Best step with nothing missing, whatever its latency (where throughput tops out). */
  peak: number;
  atTarget: string;
  done: boolean;
  close(): Promise<void>;
}

async function openLane(kind: TransportKind, databaseUrl: string, profileDir: string | undefined): Promise<Lane> {
  const transport = await startTransport({ kind, databaseUrl, profileDir });
  try {
    const rig = await openRig({ ...transport, databaseUrl, loadProcesses: LOAD_PROCESSES, loadSubscribers: SUBSCRIBERS - PROBES, probeSubscribers: PROBES });
    return {
      kind,
      rig,
      profileDir,
      rows: [],
      best: 0,
      peak: 0,
      atTarget: `${TARGET.toLocaleString('en')} offered not reached`,
      done: false,
      async close() {
        await rig.close();
        await transport.close();
      },
    };
  } catch (error) {
    await transport.close();
    throw error;
  }
}

async function step(lane: Lane, rate: number): Promise<void> {
  let measured = await lane.rig.measure(rate, STEP_SECONDS, DRAIN_MS);
  let retried = '';
  if (!passes(measured)) {
    const second = await lane.rig.measure(rate, STEP_SECONDS, DRAIN_MS);
    const [kept, other] = second.latency.p99 < measured.latency.p99 && second.missing <= measured.missing ? [second, measured] : [measured, second];
    retried = `best of 2 attempts (other: p99 ${round(other.latency.p99, 1)} ms${other.missing > 0 ? `, ${other.missing} missing` : ''})`;
    measured = kept;
  }
  const achieved = measured.deliveries / measured.seconds;
  lane.rows.push({ table: TABLE, name: `${lane.kind} · ${rate} rows/s × ${SUBSCRIBERS}`, metrics: { 'offered/s': rate * SUBSCRIBERS, 'deliveries/s': Math.round(achieved), ...stepMetrics(measured) }, note: notes(measured, retried) });
  if (passes(measured)) lane.best = Math.max(lane.best, achieved);
  if (measured.missing === 0 && measured.duplicates === 0) lane.peak = Math.max(lane.peak, achieved);
  if (rate * SUBSCRIBERS === TARGET) lane.atTarget = `p99 at ${TARGET.toLocaleString('en')} offered: ${round(measured.latency.p99, 1)} ms, ${measured.missing} missing`;
  // Past the p99 limit the steps go on while throughput still grows, to show where it tops out.
  lane.done = measured.latency.p99 > 10 * P99_LIMIT_MS || measured.missing > 0 || achieved < 0.9 * rate * SUBSCRIBERS;
}

function capacityRows(lane: Lane): BenchRow[] {
  return [
    {
      table: TABLE,
      name: `${lane.kind} capacity: best step with p99 ≤ ${P99_LIMIT_MS} ms and nothing missing`,
      metrics: { 'deliveries/s': Math.round(lane.best) },
      note: `${lane.kind === 'realtime' ? `target ≥ ${TARGET.toLocaleString('en')} deliveries/s` : 'the reference'} (${lane.atTarget}); server, Postgres, clients and writer share the 2 cores`,
    },
    { table: TABLE, name: `${lane.kind} peak: best step with nothing missing, any latency`, metrics: { 'deliveries/s': Math.round(lane.peak) } },
  ];
}

function passes(step: StepMeasurement): boolean {
  return step.missing === 0 && step.duplicates === 0 && step.latency.p99 <= P99_LIMIT_MS;
}

function notes(step: StepMeasurement, retried: string): string | undefined {
  const parts = [retried];
  if (step.closed > 0) parts.push(`${step.closed} subscribers disconnected`);
  if (step.write.errors.length > 0) parts.push(`${step.write.errors.length} write errors (${step.write.errors[0]})`);
  if (step.write.publisher && step.write.publisher.dropped > 0) parts.push(`publisher dropped ${step.write.publisher.dropped} so far`);
  return parts.filter(Boolean).join('; ') || undefined;
}
