import type { WindowMeasurement } from './cache-node.js';

/** One node's measurements summed over a simulated second (counts) with the gauges at its end. */
export type SecondAggregate = Omit<WindowMeasurement, 'windowSeconds' | 'p50LatencyMs' | 'p99LatencyMs'> & { maxP99LatencyMs: number };

export function aggregateSecond(windows: WindowMeasurement[]): SecondAggregate {
  const last = windows.at(-1);
  if (!last) throw new Error('simulator: a second needs at least one window');
  const sum = (pick: (w: WindowMeasurement) => number) => windows.reduce((total, w) => total + pick(w), 0);
  return {
    gets: sum((w) => w.gets),
    hits: sum((w) => w.hits),
    misses: sum((w) => w.misses),
    evictions: sum((w) => w.evictions),
    evictedBytes: sum((w) => w.evictedBytes),
    flushes: sum((w) => w.flushes),
    keys: last.keys,
    bytes: last.bytes,
    capacityBytes: last.capacityBytes,
    originFetches: sum((w) => w.originFetches),
    originErrors: sum((w) => w.originErrors),
    maxP99LatencyMs: Math.max(...windows.map((w) => w.p99LatencyMs)),
  };
}
