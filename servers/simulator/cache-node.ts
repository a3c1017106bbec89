import type { CacheSpec } from './cache-spec.js';
import { createLruCache, type LruCounters } from './lru-cache.js';
import { createOrigin, defaultOrigin, type OriginConfig } from './origin.js';
import { percentileOfSorted } from './percentile.js';
import { logNormal, type Random } from './prng.js';
import { createZipf } from './zipf.js';

/** What one node measured over one window: deltas of its cache's own counters plus gauges at the window's end. */
export interface WindowMeasurement {
  windowSeconds: number;
  gets: number;
  hits: number;
  misses: number;
  evictions: number;
  evictedBytes: number;
  /** Restarts (flushes) that happened since the previous window. */
  flushes: number;
  keys: number;
  bytes: number;
  capacityBytes: number;
  originFetches: number;
  originErrors: number;
  /** Get latency in virtual ms: a hit costs microseconds, a miss the origin fetch on top. */
  p50LatencyMs: number;
  p99LatencyMs: number;
}

/** One cache instance (a shard of a named cache) with its workload and its origin. */
export interface CacheNode {
  readonly cacheName: string;
  readonly source: string;
  runWindow(windowSeconds: number, loadFactor: number): WindowMeasurement;
  /** Restart empty (a flush). */
  restart(): void;
  /** Set the byte budget to `factor` × the configured capacity. */
  scaleCapacity(factor: number): void;
  configureOrigin(patch: Partial<OriginConfig>): void;
  /** Back to the origin settings the node was created with. */
  resetOrigin(): void;
  counters(): LruCounters;
}

const HIT_MEDIAN_MS = 0.004;

/** `scale` shrinks capacity, key space and load together, so a shard behaves like a smaller copy of the cache. */
export function createCacheNode(spec: CacheSpec, options: { source: string; scale: number; random: Random; origin: Partial<OriginConfig> }): CacheNode {
  const { random, scale } = options;
  const capacity = Math.max(1, Math.round(spec.capacityBytes * scale));
  const cache = createLruCache<number, true>(capacity);
  const initialOrigin: OriginConfig = { ...defaultOrigin, ...options.origin, ...spec.origin };
  const origin = createOrigin(spec.name, spec.valueBytes, initialOrigin);
  const zipf = createZipf(Math.max(10, Math.round(spec.keySpace * scale)), spec.zipfExponent);
  const opsPerSecond = spec.opsPerSecond * scale;
  let last = cache.counters();
  let latencies = new Float64Array(64);

  return {
    cacheName: spec.name,
    source: options.source,
    runWindow(windowSeconds, loadFactor) {
      const jitter = 0.9 + 0.2 * random();
      const gets = Math.floor(opsPerSecond * loadFactor * windowSeconds * jitter + random());
      if (latencies.length < gets) latencies = new Float64Array(gets * 2);
      let originFetches = 0;
      let originErrors = 0;
      for (let i = 0; i < gets; i++) {
        const key = zipf.next(random);
        let latency = logNormal(random, HIT_MEDIAN_MS, 0.3);
        if (cache.get(key) === undefined) {
          const fetched = origin.fetch(key, random);
          originFetches += 1;
          latency += fetched.latencyMs;
          if (fetched.ok) cache.set(key, true, fetched.bytes);
          else originErrors += 1;
        }
        latencies[i] = latency;
      }
      const sorted = latencies.subarray(0, gets).sort();
      const now = cache.counters();
      const measured: WindowMeasurement = {
        windowSeconds,
        gets,
        hits: now.hits - last.hits,
        misses: now.misses - last.misses,
        evictions: now.evictions - last.evictions,
        evictedBytes: now.evictedBytes - last.evictedBytes,
        flushes: now.flushes - last.flushes,
        keys: now.keys,
        bytes: now.bytes,
        capacityBytes: now.capacityBytes,
        originFetches,
        originErrors,
        p50LatencyMs: percentileOfSorted(sorted, 50),
        p99LatencyMs: percentileOfSorted(sorted, 99),
      };
      last = now;
      return measured;
    },
    restart: () => cache.flush(),
    scaleCapacity(factor) {
      if (!(factor >= 0)) throw new Error(`simulator: capacity factor must be ≥ 0, got ${factor}`);
      cache.resize(Math.round(capacity * factor));
    },
    configureOrigin: (patch) => origin.configure(patch),
    resetOrigin: () => origin.configure(initialOrigin),
    counters: () => cache.counters(),
  };
}
