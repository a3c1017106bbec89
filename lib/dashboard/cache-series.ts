import type { CacheMetricEvent } from '@/lib/monitoring/model';

export interface CacheSeries {
  cacheName: string;
  /** Bucket start times (ms), ascending. */
  times: number[];
  hitRatio: number[];
  opsPerSec: number[];
  p99LatencyMs: number[];
  latest: { hitRatio: number; opsPerSec: number; p99LatencyMs: number; p50LatencyMs: number; keys: number; memoryBytes: number; evictionsPerSec: number; at: number } | null;
}

/**
 * Per-cache chart series from metric rows: rows of several shards (sources) and
 * sub-second windows are merged into buckets — hits/misses summed for the ratio, ops/s
 * summed across shards and averaged over windows, p99 as the worst shard. Pure.
 */
export function cacheSeries(metrics: readonly CacheMetricEvent[], sinceMs: number, bucketMs: number): CacheSeries[] {
  type Bucket = { hits: number; misses: number; opsBySource: Map<string, number[]>; p99: number; p50: number; keysBySource: Map<string, number>; memBySource: Map<string, number>; evictions: number; seconds: number };
  const caches = new Map<string, Map<number, Bucket>>();
  for (const m of metrics) {
    if (m.emittedAt < sinceMs) continue;
    const t = Math.floor(m.emittedAt / bucketMs) * bucketMs;
    const buckets = caches.get(m.cacheName) ?? new Map<number, Bucket>();
    caches.set(m.cacheName, buckets);
    const b = buckets.get(t) ?? { hits: 0, misses: 0, opsBySource: new Map(), p99: 0, p50: 0, keysBySource: new Map(), memBySource: new Map(), evictions: 0, seconds: 0 };
    buckets.set(t, b);
    b.hits += m.hits;
    b.misses += m.misses;
    b.opsBySource.set(m.source, [...(b.opsBySource.get(m.source) ?? []), m.opsPerSec]);
    b.p99 = Math.max(b.p99, m.p99LatencyMs);
    b.p50 = Math.max(b.p50, m.p50LatencyMs);
    b.keysBySource.set(m.source, m.keys);
    b.memBySource.set(m.source, m.memoryBytes);
    b.evictions += m.evictions;
    b.seconds += m.windowSeconds / Math.max(1, b.opsBySource.size);
  }
  const sum = (values: Iterable<number>) => [...values].reduce((a, v) => a + v, 0);
  const mean = (values: number[]) => (values.length ? sum(values) / values.length : 0);
  return [...caches.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([cacheName, buckets]) => {
      const times = [...buckets.keys()].sort((a, b) => a - b);
      const rows = times.map((t) => buckets.get(t) as Bucket);
      const ops = rows.map((b) => sum([...b.opsBySource.values()].map(mean)));
      const ratio = rows.map((b) => (b.hits + b.misses > 0 ? b.hits / (b.hits + b.misses) : 0));
      const last = rows.at(-1);
      return {
        cacheName,
        times,
        hitRatio: ratio,
        opsPerSec: ops,
        p99LatencyMs: rows.map((b) => b.p99),
        latest: last
          ? {
              hitRatio: ratio.at(-1) ?? 0,
              opsPerSec: ops.at(-1) ?? 0,
              p99LatencyMs: last.p99,
              p50LatencyMs: last.p50,
              keys: sum(last.keysBySource.values()),
              memoryBytes: sum(last.memBySource.values()),
              evictionsPerSec: last.evictions / (bucketMs / 1000),
              at: times.at(-1) ?? 0,
            }
          : null,
      };
    });
}
