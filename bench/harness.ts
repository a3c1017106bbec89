/**
 * Shared benchmark plumbing: every `bench/*.bench.ts` exports `run()` returning rows;
 * `bench/run.ts` prints them and rewrites docs/benchmarks.md. Benchmarks measure; tests
 * never assert wall-clock times.
 */
import { percentile } from '../lib/stats/percentile';

export { percentile };

export interface BenchRow {
  /** Table the row belongs to, e.g. "Delivery latency (ingest → client callback)". */
  table: string;
  /** Row label, e.g. "realtime · 200 ev/s · 200 clients". */
  name: string;
  /** Column → value; numbers are printed as they are, so round them first. */
  metrics: Record<string, string | number>;
  /** Target or comment, shown in the last column. */
  note?: string;
}

export interface BenchModule {
  /** Short id used on the command line: `npm run bench -- realtime`. */
  id: string;
  title: string;
  run(): Promise<BenchRow[]>;
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** p50/p95/p99/max in ms, rounded, from a sample in ms. */
export function latencySummary(samplesMs: number[]): Record<string, number> {
  return {
    n: samplesMs.length,
    'p50 ms': round(percentile(samplesMs, 50)),
    'p95 ms': round(percentile(samplesMs, 95)),
    'p99 ms': round(percentile(samplesMs, 99)),
    'max ms': round(percentile(samplesMs, 100)),
  };
}
