import 'server-only';
import type pg from 'pg';
import { ApiError } from '@/lib/api/api-error';
import { readJsonBody } from '@/lib/api/read-json-body';
import { ingestBatchSchema, MAX_BATCH_BYTES, MAX_BATCH_DEPTH } from '@/lib/ingest/ingest-batch';
import { authenticateIngestKey } from '@/lib/ingest/ingest-keys';
import type { IngestRateLimit } from '@/lib/ingest/ingest-rate-limit';
import type { LegacyPublisher } from '@/lib/ingest/legacy-publisher';
import { storeIngestBatch, type StoredItem } from '@/lib/ingest/store-batch';

/** What the ingest API works with; the route passes the app's, tests their own. */
export interface IngestDeps {
  pool: pg.Pool;
  publisher: Pick<LegacyPublisher, 'enqueue'>;
  rateLimit: IngestRateLimit;
  counters?: IngestCounters;
  /** False once the legacy feed is decommissioned (and no kill switch brought it back). */
  legacyFeedEnabled?: () => Promise<boolean>;
}

export interface IngestCounters {
  /** Envelopes not sent to the legacy feed because it is decommissioned. */
  notPublished?: number;
  batches: number;
  stored: number;
  duplicates: number;
}

export interface IngestResponse {
  metrics: StoredItem[];
  events: StoredItem[];
  duplicates: number;
}

/**
 * `POST /api/ingest`: ingest key (401) → rate limit (429) → body: JSON ≤ 1 MB, ≤ 32 levels deep (415/413/400)
 * → schema (400) → one all-or-nothing insert → the new rows go to the legacy feed in the
 * background. Ids come back in input order; retried items get their original ids.
 */
export async function acceptIngest(request: Request, deps: IngestDeps): Promise<IngestResponse> {
  const key = await authenticateIngestKey(deps.pool, request.headers.get('authorization'));
  const allowed = await deps.rateLimit.take(key);
  if (!allowed.ok) {
    throw new ApiError('rate_limited', `Too many requests for ingest key "${key.name}"; retry in ${allowed.retryAfterSeconds} s.`, {
      headers: { 'retry-after': String(allowed.retryAfterSeconds) },
    });
  }
  const batch = await readJsonBody(request, ingestBatchSchema, { maxBytes: MAX_BATCH_BYTES, maxDepth: MAX_BATCH_DEPTH });
  const result = await storeIngestBatch(deps.pool, batch);
  if (await (deps.legacyFeedEnabled?.() ?? Promise.resolve(true))) deps.publisher.enqueue(result.inserted);
  else if (deps.counters) deps.counters.notPublished = (deps.counters.notPublished ?? 0) + result.inserted.length;
  if (deps.counters) {
    deps.counters.batches += 1;
    deps.counters.stored += result.inserted.length;
    deps.counters.duplicates += result.duplicates;
  }
  return { metrics: result.metrics, events: result.events, duplicates: result.duplicates };
}
