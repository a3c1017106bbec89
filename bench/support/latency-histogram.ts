/**
 * Fixed-bucket latency histogram: 0.1 ms buckets to 1 s, 10 ms buckets to 60 s. Recording
 * allocates nothing, so a client process can record millions of receipts per step; the
 * counts cross process boundaries as a plain array and merge by addition.
 */
const FINE_MS = 0.1;
const FINE_BUCKETS = 10_000;
const COARSE_MS = 10;
const COARSE_BUCKETS = 5_900;
const BUCKETS = FINE_BUCKETS + COARSE_BUCKETS + 1;

export interface HistogramData {
  counts: number[];
  max: number;
}

export class LatencyHistogram {
  private counts = new Uint32Array(BUCKETS);
  private max = 0;
  total = 0;

  record(ms: number): void {
    const value = ms < 0 ? 0 : ms;
    const fine = Math.floor(value / FINE_MS);
    const index = fine < FINE_BUCKETS ? fine : Math.min(BUCKETS - 1, FINE_BUCKETS + Math.floor((value - FINE_BUCKETS * FINE_MS) / COARSE_MS));
    this.counts[index]! += 1;
    this.total += 1;
    if (value > this.max) this.max = value;
  }

  reset(): void {
    this.counts.fill(0);
    this.max = 0;
    this.total = 0;
  }

  /** Sparse enough for IPC: trailing zero buckets are dropped. */
  data(): HistogramData {
    let last = this.counts.length - 1;
    while (last >= 0 && this.counts[last] === 0) last -= 1;
    return { counts: Array.from(this.counts.subarray(0, last + 1)), max: this.max };
  }

  static merge(parts: HistogramData[]): HistogramData {
    const counts: number[] = [];
    let max = 0;
    for (const part of parts) {
      part.counts.forEach((count, index) => (counts[index] = (counts[index] ?? 0) + count));
      max = Math.max(max, part.max);
    }
    return { counts: Array.from(counts, (count) => count ?? 0), max };
  }
}

/** The upper edge of the bucket holding the `p`-th percentile (ms); NaN when empty. */
export function histogramPercentile(data: HistogramData, p: number): number {
  const total = data.counts.reduce((sum, count) => sum + count, 0);
  if (total === 0) return Number.NaN;
  if (p >= 100) return data.max;
  const rank = Math.ceil((p / 100) * total);
  let seen = 0;
  for (let index = 0; index < data.counts.length; index += 1) {
    seen += data.counts[index] ?? 0;
    if (seen >= rank) return Math.min(data.max, upperEdge(index));
  }
  return data.max;
}

function upperEdge(index: number): number {
  return index < FINE_BUCKETS ? (index + 1) * FINE_MS : FINE_BUCKETS * FINE_MS + (index - FINE_BUCKETS + 1) * COARSE_MS;
}

export function histogramCount(data: HistogramData): number {
  return data.counts.reduce((sum, count) => sum + count, 0);
}
