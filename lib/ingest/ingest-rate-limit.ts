import { createRateLimiter } from '@/lib/api/rate-limiter';
import type { IngestKey } from '@/lib/ingest/ingest-keys';

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

/** Token bucket per ingest key: refilled at the key's `rateLimitPerS` requests/s, bursts of twice that. */
export interface IngestRateLimit {
  take(key: IngestKey): RateDecision;
}

export function createIngestRateLimit(options: { now?: () => number } = {}): IngestRateLimit {
  // Keys differ in rate; one limiter per distinct rate keeps each bucket's refill right.
  const byRate = new Map<number, ReturnType<typeof createRateLimiter>>();
  return {
    take(key) {
      let limiter = byRate.get(key.rateLimitPerS);
      if (!limiter) {
        limiter = createRateLimiter({ capacity: 2 * key.rateLimitPerS, perSecond: key.rateLimitPerS, now: options.now });
        byRate.set(key.rateLimitPerS, limiter);
      }
      return limiter.take(String(key.id));
    },
  };
}
