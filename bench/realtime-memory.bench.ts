import { loadavg } from 'node:os';
import { startThrowawayPostgres } from '../test-support/throwaway-postgres.js';
import { round, type BenchModule, type BenchRow } from './harness.js';
import { sleep } from './support/clock.js';
import { openRig, type StepMeasurement } from './support/transport-rig.js';
import { startTransport, type TransportKind } from './support/transport-under-test.js';

const SUBSCRIBERS = 1_000;
const PROBES = 20;
const LOAD_PROCESSES = 2;
/** Rows/s under load: × 1,000 subscribers = the 400,000 deliveries/s of the capacity target. */
const RATE = 400;
const CHUNK_SECONDS = 30;
const DRAIN_MS = 5_000;
const SAMPLE_MS = 5_000;
const IDLE_SETTLE_MS = 10_000;
const DEFAULT_MINUTES = 10;
const LIMIT_MB = 200;
const TABLE = `Server memory (RSS), ${SUBSCRIBERS.toLocaleString('en')} subscribers, idle and under ${(RATE * SUBSCRIBERS).toLocaleString('en')} deliveries/s offered`;

/**
 * Resident memory of each server process, Realtime and the legacy feed measured the same
 * way in the same run (clients as in the capacity benchmark): after 1,000 subscribers joined
 * and 10 s idle, then every 5 s while the writer offers 400 rows/s (400,000 deliveries/s) for
 * 10 minutes (`--minutes=N` to change). Growth compares the last minute's mean with the
 * first minute's; the slope is a least-squares fit over the second half of the run.
 */
export const realtimeMemoryBench: BenchModule = {
  id: 'realtime-memory',
  title: 'Server memory: Realtime and legacy feed, idle and under load',
  async run(): Promise<BenchRow[]> {
    const minutes = Number(process.argv.find((arg) => arg.startsWith('--minutes='))?.slice('--minutes='.length) ?? DEFAULT_MINUTES);
    const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length) as TransportKind | undefined;
    const loadAtStart = round(loadavg()[0] ?? 0, 1);
    const postgres = await startThrowawayPostgres({ seed: false });
    const rows: BenchRow[] = [];
    try {
      for (const kind of ['realtime', 'legacy'] as const) {
        if (!only || only === kind) rows.push(await measureMemory(kind, postgres.databaseUrl, minutes, loadAtStart));
      }
    } finally {
      await postgres.stop();
    }
    return rows;
  },
};

async function measureMemory(kind: TransportKind, databaseUrl: string, minutes: number, loadAtStart: number): Promise<BenchRow> {
  const transport = await startTransport({ kind, databaseUrl });
  try {
    const rig = await openRig({ ...transport, databaseUrl, loadProcesses: LOAD_PROCESSES, loadSubscribers: SUBSCRIBERS - PROBES, probeSubscribers: PROBES });
    try {
      await sleep(IDLE_SETTLE_MS);
      const idle = await transport.server.sample();
      const samples: Array<{ at: number; rss: number }> = [];
      const started = performance.now();
      const sampler = setInterval(() => {
        void transport.server.sample().then((sample) => samples.push({ at: (performance.now() - started) / 60_000, rss: sample.rss / 2 ** 20 }), () => undefined);
      }, SAMPLE_MS);
      const steps: StepMeasurement[] = [];
      try {
        while (performance.now() - started < minutes * 60_000) steps.push(await rig.measure(RATE, CHUNK_SECONDS, DRAIN_MS));
      } finally {
        clearInterval(sampler);
      }
      const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / Math.max(1, values.length);
      const last = samples.at(-1)?.at ?? 0;
      const firstMinute = mean(samples.filter((s) => s.at <= 1).map((s) => s.rss));
      const lastMinute = mean(samples.filter((s) => s.at >= last - 1).map((s) => s.rss));
      const peak = Math.max(...samples.map((s) => s.rss));
      const missing = steps.reduce((sum, s) => sum + s.missing, 0);
      const deliveries = steps.reduce((sum, s) => sum + s.deliveries, 0);
      const worstP99 = Math.max(...steps.map((s) => s.latency.p99).filter(Number.isFinite));
      const disconnected = steps.reduce((sum, s) => sum + s.closed, 0);
      const serverCpu = steps.reduce((sum, s) => sum + s.cpu.server * s.wallS, 0) / Math.max(1e-9, steps.reduce((sum, s) => sum + s.wallS, 0));
      return {
        table: TABLE,
        name: `${kind} · ${round(last, 1)} min`,
        metrics: {
          'idle RSS MB': Math.round(idle.rss / 2 ** 20),
          'idle heap MB': Math.round(idle.heapUsed / 2 ** 20),
          'load RSS first min MB': Math.round(firstMinute),
          'load RSS peak MB': Math.round(peak),
          'load RSS last min MB': Math.round(lastMinute),
          'growth MB': Math.round(lastMinute - firstMinute),
          'slope 2nd half MB/min': round(slope(samples.filter((s) => s.at >= last / 2)), 2),
          deliveries,
          missing,
          'subscribers disconnected': disconnected,
          'worst chunk p99 ms': round(worstP99, 1),
          'server CPU': `${Math.round(100 * serverCpu)} %`,
        },
        note: `${kind === 'realtime' ? `target ≤ ${LIMIT_MB} MB idle and under load, no growth` : 'the reference'}; ${steps.length} chunks of ${CHUNK_SECONDS} s at ${RATE} rows/s; load avg ${loadAtStart} at start, ${round(loadavg()[0] ?? 0, 1)} at end`,
      };
    } finally {
      await rig.close();
    }
  } finally {
    await transport.close();
  }
}

/** Least-squares slope of rss over time (MB per minute). */
function slope(points: Array<{ at: number; rss: number }>): number {
  if (points.length < 2) return Number.NaN;
  const mx = points.reduce((sum, p) => sum + p.at, 0) / points.length;
  const my = points.reduce((sum, p) => sum + p.rss, 0) / points.length;
  const sxy = points.reduce((sum, p) => sum + (p.at - mx) * (p.rss - my), 0);
  const sxx = points.reduce((sum, p) => sum + (p.at - mx) ** 2, 0);
  return sxx > 0 ? sxy / sxx : Number.NaN;
}
