import type { OriginConfig } from './origin.js';

/** One named cache of the simulated service and the workload it serves. */
export interface CacheSpec {
  name: string;
  capacityBytes: number;
  /** Distinct keys the workload asks for (ranks of a Zipf distribution). */
  keySpace: number;
  zipfExponent: number;
  /** Gets per simulated second at load factor 1 (a slow sine wave moves it ±25 %). */
  opsPerSecond: number;
  /** Sizes of the values the origin returns (bytes, inclusive). */
  valueBytes: { min: number; max: number };
  /** Overrides of the simulator-wide origin settings for this cache's backend. */
  origin?: Partial<OriginConfig>;
}

/** Small hot session store, medium product catalog, large pricing table. */
export const defaultCaches: CacheSpec[] = [
  { name: 'sessions', capacityBytes: 256 * 1024, keySpace: 4_000, zipfExponent: 1.0, opsPerSecond: 600, valueBytes: { min: 200, max: 600 }, origin: { medianLatencyMs: 3 } },
  { name: 'catalog', capacityBytes: 4 * 1024 * 1024, keySpace: 50_000, zipfExponent: 1.1, opsPerSecond: 1_000, valueBytes: { min: 1_024, max: 4_096 } },
  { name: 'pricing', capacityBytes: 8 * 1024 * 1024, keySpace: 20_000, zipfExponent: 0.8, opsPerSecond: 400, valueBytes: { min: 256, max: 1_024 }, origin: { medianLatencyMs: 20, latencySigma: 0.7 } },
];
