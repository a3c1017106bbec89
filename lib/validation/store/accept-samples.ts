import 'server-only';
import { ApiError } from '@/lib/api/api-error';
import { createSharedRateLimiter, type RateDecision } from '@/lib/api/shared-rate-limiter';
import { readJsonBody } from '@/lib/api/read-json-body';
import type { Caller } from '@/lib/auth/authenticate-caller';
import { db } from '@/lib/db/pool';
import { evaluate } from '@/lib/rollout/evaluate';
import { subjectOf } from '@/lib/rollout/cohort';
import { recentRolloutConfigs } from '@/lib/rollout/server/server-config';
import { legacyFeedEnabled } from '@/lib/rollout/stages';
import { realtimeStrategy } from '@/lib/rollout/strategy';
import { REALTIME_STRATEGIES } from '@/contracts/transports';
import { checkBatchPlausibility, checkEventIdentity, errorsByStrategy, ImplausibleEvidence } from '@/lib/validation/engine/evidence-checks';
import { sampleBatchSchema } from '@/contracts/samples';
import { loadObserver, lookupEvents, recentErrors, recordRejection, storeSampleBatch } from '@/lib/validation/store/sample-store';
import { observerKey, PROBE_SUBJECT } from '@/lib/validation/engine/subjects';
import { DEFAULT_STRATEGY } from '@/lib/validation/engine/strategy-lane';

/** 1,000 samples ≈ 250 KB of JSON; 1 MB leaves room for attached discrepancy payloads. */
const MAX_BODY_BYTES = 1024 * 1024;
// Shared by every app instance (Postgres), so a caller spread over N instances gets what one allows.
// The probe: bursts of 100 batches, 50 batches/s sustained (≥ 50,000 samples/s).
const PROBE_BATCHES = { capacity: 100, perSecond: 50 };
// A user: each tab reports every 2 s (≈ 2 × the event rate in samples); a few tabs, with
// room for catching up after a hidden stretch — far below what would stall the analysis.
const USER_BATCHES = { capacity: 30, perSecond: 5 };
const USER_SAMPLES = { capacity: 20_000, perSecond: 2_000 };

/**
 * POST /api/validation/samples: validate, rate-limit per caller, check that the batch is
 * something this caller can have observed (its cohort and lanes, its error counts, the
 * events it names), then store all or nothing. Impossible batches are 422 and counted
 * against the caller.
 */
export async function acceptSamples(request: Request, caller: Caller): Promise<{ stored: number }> {
  const subject = caller.kind === 'user' ? caller.user.id : PROBE_SUBJECT;
  const pool = db();
  const limited = (allowed: RateDecision, what: string) => {
    if (!allowed.ok) throw new ApiError('rate_limited', `Too many ${what}; retry in ${allowed.retryAfterSeconds} s.`, { headers: { 'retry-after': String(allowed.retryAfterSeconds) } });
  };
  const batches = caller.kind === 'service' ? createSharedRateLimiter(pool, 'samples:probe', PROBE_BATCHES) : createSharedRateLimiter(pool, 'samples:batches', USER_BATCHES);
  limited(await batches.take(subject), 'sample batches');
  const batch = await readJsonBody(request, sampleBatchSchema, { maxBytes: MAX_BODY_BYTES });
  if (caller.kind === 'user') limited(await createSharedRateLimiter(pool, 'samples:user', USER_SAMPLES).take(subject, Math.max(1, batch.samples.length)), 'samples from one user');
  if ((batch.cohort === 'probe') !== (caller.kind === 'service')) {
    throw new ApiError('forbidden', caller.kind === 'service' ? 'The service role reports as cohort "probe".' : 'Only the headless probe may report as cohort "probe".');
  }
  const nowMs = Date.now();
  try {
    const observer = observerKey(subject, batch.observer);
    const [previous, configs, stored, errorsLastMinute] = await Promise.all([
      loadObserver(pool, observer),
      recentRolloutConfigs(),
      lookupEvents(pool, batch.samples.map((s) => s.event_id)),
      caller.kind === 'service' ? { legacy: 0, realtime: 0 } : recentErrors(pool, subject, 60),
    ]);
    const rolloutSubject = caller.kind === 'user' ? subjectOf(caller.user, undefined, request.headers.get('user-agent')) : null;
    const cohorts = rolloutSubject ? new Set(configs.map((config) => evaluate(config, rolloutSubject).cohort)) : new Set(['probe'] as const);
    // The probe observes every strategy; a viewer only the one the server decided for it (in any recent config).
    const decided = rolloutSubject ? configs.map((config) => realtimeStrategy(config, rolloutSubject).strategy) : [];
    const strategies = rolloutSubject ? new Set(decided) : new Set(REALTIME_STRATEGIES);
    const legacyStates = new Set(configs.map(legacyFeedEnabled));
    checkBatchPlausibility(batch, { subject, cohorts, legacyStates, strategies, previous, nowMs, recentErrors: errorsLastMinute, trusted: caller.kind === 'service' });
    checkEventIdentity(batch, stored);
    return await storeSampleBatch(pool, batch, { observer, subject, trusted: caller.kind === 'service', nowMs, realtimeErrors: errorsByStrategy(batch, decided[0] ?? DEFAULT_STRATEGY) });
  } catch (error) {
    if (!(error instanceof ImplausibleEvidence)) throw error;
    await recordRejection(pool, subject, error.code, error.message);
    throw new ApiError('implausible_evidence', error.message, { cause: error });
  }
}
