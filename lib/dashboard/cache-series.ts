import type { CacheSeriesPoints } from '@/contracts/series';
import { stepValues, type StepTotals } from '@/lib/dashboard/step-values';
import type { CacheMetricEvent } from '@/lib/monitoring/model';
import { bucketUpperEdge } from '@/lib/stats/latency-histogram';
import { percentile } from '@/lib/stats/percentile';

export interface LatestReading {
  hitRatio: number | null;
  opsPerSec: number | null;
  p99LatencyMs: number | null;
  p50LatencyMs: number | null;
  keys: number | null;
  memoryBytes: number | null;
  evictionsPerSec: number | null;
  /** When the newest data behind this reading was emitted (ms). */
  at: number;
}

export interface CacheSeries {
  cacheName: string;
  /** Step start times (ms), ascending; a null value is a gap. */
  times: number[];
  hitRatio: Array<number | null>;
  opsPerSec: Array<number | null>;
  p99LatencyMs: Array<number | null>;
  latest: LatestReading | null;
}

interface Bucket {
  bySource: Map<string, { seconds: number; ops: number; keys: number; memory: number; at: number }>;
  hits: number;
  misses: number;
  evictions: number;
  p50: number[];
  p99: number[];
}

/**
 * Live rows into steps of `stepMs`, per cache, the way the series API computes them
 * (lib/dashboard/step-values.ts; percentiles nearest-rank over the per-sample values, on the
 * histograms' scale), so live steps continue the stored ones seamlessly. Pure.
 */
export function liveSteps(metrics: readonly CacheMetricEvent[], sinceMs: number, stepMs: number): Array<CacheSeriesPoints & { newestAt: number }> {
  const caches = new Map<string, { buckets: Map<number, Bucket>; newestAt: number }>();
  for (const m of metrics) {
    if (m.emittedAt < sinceMs) continue;
    const t = Math.floor(m.emittedAt / stepMs) * stepMs;
    const cache = caches.get(m.cacheName) ?? { buckets: new Map<number, Bucket>(), newestAt: 0 };
    caches.set(m.cacheName, cache);
    cache.newestAt = Math.max(cache.newestAt, m.emittedAt);
    let b = cache.buckets.get(t);
    if (!b) {
      b = { bySource: new Map(), hits: 0, misses: 0, evictions: 0, p50: [], p99: [] };
      cache.buckets.set(t, b);
    }
    b.hits += m.hits;
    b.misses += m.misses;
    b.evictions += m.evictions;
    b.p50.push(m.p50LatencyMs);
    b.p99.push(m.p99LatencyMs);
    const source = b.bySource.get(m.source) ?? { seconds: 0, ops: 0, keys: 0, memory: 0, at: -Infinity };
    b.bySource.set(m.source, source);
    source.seconds += m.windowSeconds;
    source.ops += m.opsPerSec * m.windowSeconds;
    if (m.emittedAt >= source.at) Object.assign(source, { keys: m.keys, memory: m.memoryBytes, at: m.emittedAt });
  }
  return [...caches.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([cache, { buckets, newestAt }]) => {
      const t = [...buckets.keys()].sort((a, b) => a - b);
      const values = t.map((time) => stepValues(totals(buckets.get(time) as Bucket)));
      return {
        cache,
        newestAt,
        t,
        hitRatio: values.map((v) => v.hitRatio),
        opsPerSec: values.map((v) => v.opsPerSec),
        p50LatencyMs: values.map((v) => v.p50LatencyMs),
        p99LatencyMs: values.map((v) => v.p99LatencyMs),
        keys: values.map((v) => v.keys),
        memoryBytes: values.map((v) => v.memoryBytes),
        evictionsPerSec: values.map((v) => v.evictionsPerSec),
      };
    });
}

function totals(b: Bucket): StepTotals {
  const sources = [...b.bySource.values()];
  const sum = (pick: (s: (typeof sources)[number]) => number) => sources.reduce((a, s) => a + pick(s), 0);
  return {
    sources: sources.length,
    seconds: sum((s) => s.seconds),
    ops: sum((s) => s.ops),
    keys: sum((s) => s.keys),
    memory: sum((s) => s.memory),
    hits: b.hits,
    misses: b.misses,
    evictions: b.evictions,
    p50: b.p50.length ? bucketUpperEdge(percentile(b.p50, 50)) : null,
    p99: b.p99.length ? bucketUpperEdge(percentile(b.p99, 99)) : null,
  };
}
