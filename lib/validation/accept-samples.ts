import 'server-only';
import { ApiError } from '@/lib/api/api-error';
import { createRateLimiter } from '@/lib/api/rate-limiter';
import { readJsonBody } from '@/lib/api/read-json-body';
import type { Caller } from '@/lib/auth/authenticate-caller';
import { db } from '@/lib/db/pool';
import { sampleBatchSchema } from '@/lib/validation/sample';
import { storeSampleBatch } from '@/lib/validation/sample-store';

/** 1,000 samples ≈ 250 KB of JSON; 1 MB leaves room for attached discrepancy payloads. */
const MAX_BODY_BYTES = 1024 * 1024;
// Per caller: bursts of 100 batches, 50 batches/s sustained (≥ 50,000 samples/s).
const limiter = createRateLimiter({ capacity: 100, perSecond: 50 });

/** POST /api/validation/samples: validate, rate-limit per caller, store all or nothing. */
export async function acceptSamples(request: Request, caller: Caller): Promise<{ stored: number }> {
  const key = caller.kind === 'user' ? `user:${caller.user.id}` : 'service';
  const allowed = limiter.take(key);
  if (!allowed.ok) throw new ApiError('rate_limited', `Too many sample batches; retry in ${allowed.retryAfterSeconds} s.`, { headers: { 'retry-after': String(allowed.retryAfterSeconds) } });
  const batch = await readJsonBody(request, sampleBatchSchema, { maxBytes: MAX_BODY_BYTES });
  if (batch.cohort === 'probe' && caller.kind !== 'service') throw new ApiError('forbidden', 'Only the headless probe may report as cohort "probe".');
  return storeSampleBatch(db(), batch);
}
