import type pg from 'pg';
import { createSharedRateLimiter, type RateDecision } from '@/lib/api/shared-rate-limiter';
import type { IngestKey } from '@/lib/ingest/ingest-keys';

export type { RateDecision };

/**
 * Token bucket per ingest key, shared by every app instance (Postgres): refilled at the
 * key's `rateLimitPerS` requests/s, bursts of twice that.
 */
export interface IngestRateLimit {
  take(key: IngestKey): Promise<RateDecision>;
}

export function createIngestRateLimit(pool: Pick<pg.Pool, 'query'>): IngestRateLimit {
  return {
    take: (key) => createSharedRateLimiter(pool, 'ingest', { capacity: 2 * key.rateLimitPerS, perSecond: key.rateLimitPerS }).take(String(key.id)),
  };
}
