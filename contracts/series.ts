/**
 * `GET /api/monitoring/series`: per cache, one point per step, columns aligned with `t`.
 * A null is a step with no data (a gap, drawn as one). Rates are per second of the time
 * the cache's shards reported in the step; latency percentiles are over the per-sample
 * percentiles (see docs/architecture.md "Data lifecycle").
 */
export type SeriesResolution = 'raw' | '1m' | '1h';

export interface CacheSeriesPoints {
  cache: string;
  /** Step start times, ms since epoch, ascending. */
  t: number[];
  hitRatio: Array<number | null>;
  opsPerSec: Array<number | null>;
  p50LatencyMs: Array<number | null>;
  p99LatencyMs: Array<number | null>;
  keys: Array<number | null>;
  memoryBytes: Array<number | null>;
  evictionsPerSec: Array<number | null>;
}

export interface SeriesResponse {
  range: string;
  resolution: SeriesResolution;
  stepMs: number;
  /** The window served: [from, to), ms since epoch; `from` is aligned to the step. */
  from: number;
  to: number;
  series: CacheSeriesPoints[];
}
