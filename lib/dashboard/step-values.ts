/** One step of one cache, summed over its shards (sources): what both read paths reduce rows to. */
export interface StepTotals {
  /** Shards that reported in the step. */
  sources: number;
  /** Σ window_seconds over every shard. */
  seconds: number;
  hits: number;
  misses: number;
  evictions: number;
  /** Σ ops_per_sec × window_seconds. */
  ops: number;
  p50: number | null;
  p99: number | null;
  /** Σ over shards of each one's last reading. */
  keys: number;
  memory: number;
}

export interface StepValues {
  hitRatio: number | null;
  opsPerSec: number | null;
  evictionsPerSec: number | null;
  p50LatencyMs: number | null;
  p99LatencyMs: number | null;
  keys: number;
  memoryBytes: number;
}

/**
 * The one rule for a step's values: the hit ratio from summed hits and misses; rates per
 * second of the time reported (Σ seconds / shards), summed across shards — so a step the
 * cache reported for only half of still shows its true rate.
 */
export function stepValues(step: StepTotals): StepValues {
  const covered = step.sources > 0 ? step.seconds / step.sources : 0;
  return {
    hitRatio: step.hits + step.misses > 0 ? step.hits / (step.hits + step.misses) : null,
    opsPerSec: covered > 0 ? step.ops / covered : null,
    evictionsPerSec: covered > 0 ? step.evictions / covered : null,
    p50LatencyMs: step.p50,
    p99LatencyMs: step.p99,
    keys: step.keys,
    memoryBytes: step.memory,
  };
}
