/**
 * Mergeable latency histograms: log-spaced bucket edges (×1.25 from 0.25 ms to ~60 s),
 * so per-minute windows can be summed and percentiles read from the sum (≤ 12.5 % error).
 */
export const EDGES_MS: number[] = (() => {
  const edges: number[] = [];
  for (let edge = 0.25; edge < 60_000; edge *= 1.25) edges.push(Math.round(edge * 1000) / 1000);
  edges.push(Number.POSITIVE_INFINITY);
  return edges;
})();

export const emptyHistogram = (): number[] => new Array<number>(EDGES_MS.length).fill(0);

export function record(histogram: number[], valueMs: number): void {
  const value = Math.max(0, valueMs);
  let lo = 0;
  let hi = EDGES_MS.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (value <= (EDGES_MS[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  histogram[lo] = (histogram[lo] ?? 0) + 1;
}

export function merge(into: number[], from: readonly number[]): number[] {
  for (let i = 0; i < into.length; i += 1) into[i] = (into[i] ?? 0) + (from[i] ?? 0);
  return into;
}

export const total = (histogram: readonly number[]) => histogram.reduce((sum, n) => sum + n, 0);

/** Upper edge of the bucket holding the p-th percentile (NaN when empty). */
export function histogramPercentile(histogram: readonly number[], p: number): number {
  const n = total(histogram);
  if (n === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  let seen = 0;
  for (let i = 0; i < histogram.length; i += 1) {
    seen += histogram[i] ?? 0;
    if (seen >= rank) return EDGES_MS[i] === Number.POSITIVE_INFINITY ? (EDGES_MS[i - 1] as number) : (EDGES_MS[i] as number);
  }
  return Number.NaN;
}

/**
 * A latency as the histograms report it: the upper edge of its bucket. The nearest-rank
 * percentile of raw values, passed through this, equals histogramPercentile of their
 * histogram, so raw and rolled-up series agree exactly.
 */
export function bucketUpperEdge(valueMs: number): number {
  const histogram = emptyHistogram();
  record(histogram, valueMs);
  return histogramPercentile(histogram, 100);
}
