import type { CacheSpec } from './cache-spec.js';

/**
 * How a target rate becomes rows. Each named cache runs as `nodesPerCache` shards, and each
 * shard reports `windowsPerSecond` metric samples per simulated second (window =
 * 1/windowsPerSecond s). Sub-second windows come first (up to 10 per second, so one cache
 * stays one series at low rates); past that the cache is split into shards, each a scaled
 * copy (capacity, key space and load × `scale`) that still sees ≥ `minGetsPerWindow` gets
 * per window, so every sample is a real measurement rather than noise around zero.
 */
export interface Layout {
  nodesPerCache: number;
  windowsPerSecond: number;
  windowSeconds: number;
  /** Metric rows per simulated second (events come on top of these). */
  metricsPerSecond: number;
  /** Per cache name: the factor applied to its capacity, key space and load on each shard. */
  scale: Record<string, number>;
}

const MAX_WINDOWS_PER_SECOND = 10;
const MIN_GETS_PER_WINDOW = 10;

export function planLayout(rate: number, caches: CacheSpec[]): Layout {
  if (caches.length === 0) throw new Error('simulator: at least one cache is needed');
  if (!(rate >= 0)) throw new Error(`simulator: rate must be ≥ 0, got ${rate}`);
  const target = Math.max(caches.length, Math.round(rate));
  const nodesPerCache = Math.ceil(target / (caches.length * MAX_WINDOWS_PER_SECOND));
  const windowsPerSecond = Math.min(MAX_WINDOWS_PER_SECOND, Math.max(1, Math.round(target / (caches.length * nodesPerCache))));
  const scale: Record<string, number> = {};
  for (const spec of caches) {
    scale[spec.name] = Math.min(1, Math.max(1 / nodesPerCache, (MIN_GETS_PER_WINDOW * windowsPerSecond) / spec.opsPerSecond));
  }
  return { nodesPerCache, windowsPerSecond, windowSeconds: 1 / windowsPerSecond, metricsPerSecond: caches.length * nodesPerCache * windowsPerSecond, scale };
}
