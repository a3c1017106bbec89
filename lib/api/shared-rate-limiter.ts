import type pg from 'pg';

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

export interface BucketShape {
  /** Burst: tokens a full bucket holds. */
  capacity: number;
  /** Refill rate, tokens per second. */
  perSecond: number;
}

/**
 * A token bucket shared by every app instance: one row per key in
 * `public.rate_limit_buckets`, taken atomically by `public.take_rate_limit` (one round trip;
 * concurrent callers on any instance serialise on the row). What an in-memory limiter allows
 * per instance, this allows per deployment. See docs/deploy.md for the cost per check.
 */
export function createSharedRateLimiter(pool: Pick<pg.Pool, 'query'>, namespace: string, shape: BucketShape) {
  // Shapes and costs come from code, never from a request: a bad one is a bug, said at once.
  if (!(shape.perSecond > 0 && Number.isFinite(shape.perSecond))) throw new Error(`rate limit ${namespace}: perSecond must be a positive finite rate, got ${shape.perSecond}`);
  if (!(shape.capacity > 0 && Number.isFinite(shape.capacity))) throw new Error(`rate limit ${namespace}: capacity must be a positive finite burst, got ${shape.capacity}`);
  return {
    async take(key: string, cost = 1): Promise<RateDecision> {
      // A cost above the burst could never be spent: no Retry-After would ever be true.
      if (!(cost > 0 && cost <= shape.capacity)) throw new Error(`rate limit ${namespace}: cost ${cost} exceeds the bucket's capacity ${shape.capacity} (or is not positive)`);
      const { rows } = await pool.query<{ wait: number }>('select public.take_rate_limit($1, $2, $3, $4) as wait', [
        `${namespace}:${key}`.slice(0, 200),
        shape.capacity,
        shape.perSecond,
        cost,
      ]);
      const wait = Number(rows[0]?.wait ?? 0);
      return wait <= 0 ? { ok: true } : { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(wait)) };
    },
  };
}

/** Deletes buckets idle for `idleMs` (full again by then at any sane rate); returns how many. The worker runs it. */
export async function sweepRateLimitBuckets(pool: Pick<pg.Pool, 'query'>, idleMs = 10 * 60_000): Promise<number> {
  const { rowCount } = await pool.query('delete from public.rate_limit_buckets where refilled_at < clock_timestamp() - make_interval(secs => $1)', [idleMs / 1000]);
  return rowCount ?? 0;
}
