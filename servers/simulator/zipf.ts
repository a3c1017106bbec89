import type { Random } from './prng.js';

/** Draws key ranks 0..n-1 with P(rank k) ∝ 1 / (k+1)^exponent. */
export interface ZipfSampler {
  readonly size: number;
  readonly exponent: number;
  next(random: Random): number;
}

const tables = new Map<string, Float64Array>();

/**
 * Inverse-CDF sampler (binary search, O(log n) per draw). The cumulative table depends only
 * on (n, exponent), so it is shared by every sampler with the same shape — many shards of
 * one cache cost one table.
 */
export function createZipf(size: number, exponent: number): ZipfSampler {
  if (!Number.isInteger(size) || size < 1) throw new Error(`zipf: size must be a positive integer, got ${size}`);
  if (!(exponent >= 0)) throw new Error(`zipf: exponent must be ≥ 0, got ${exponent}`);
  const cdf = cumulative(size, exponent);
  return {
    size,
    exponent,
    next(random) {
      const u = random();
      let lo = 0;
      let hi = size - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((cdf[mid] as number) < u) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    },
  };
}

function cumulative(size: number, exponent: number): Float64Array {
  const key = `${size}:${exponent}`;
  const cached = tables.get(key);
  if (cached) return cached;
  const cdf = new Float64Array(size);
  let sum = 0;
  for (let k = 0; k < size; k++) {
    sum += 1 / (k + 1) ** exponent;
    cdf[k] = sum;
  }
  for (let k = 0; k < size; k++) cdf[k] = (cdf[k] as number) / sum;
  cdf[size - 1] = 1;
  tables.set(key, cdf);
  return cdf;
}
