/**
 * Token buckets per key, in memory: `capacity` burst, refilled at `perSecond`. Returns
 * the seconds to wait when a call is refused. Keys idle for a minute are forgotten.
 */
export function createRateLimiter(options: { capacity: number; perSecond: number; now?: () => number }) {
  const now = options.now ?? (() => Date.now());
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key: string, cost = 1): { ok: true } | { ok: false; retryAfterSeconds: number } {
      const t = now();
      const bucket = buckets.get(key) ?? { tokens: options.capacity, at: t };
      bucket.tokens = Math.min(options.capacity, bucket.tokens + ((t - bucket.at) / 1000) * options.perSecond);
      bucket.at = t;
      buckets.set(key, bucket);
      if (buckets.size > 10_000) {
        for (const [k, b] of buckets) if (t - b.at > 60_000) buckets.delete(k);
      }
      if (bucket.tokens >= cost) {
        bucket.tokens -= cost;
        return { ok: true };
      }
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((cost - bucket.tokens) / options.perSecond)) };
    },
  };
}
