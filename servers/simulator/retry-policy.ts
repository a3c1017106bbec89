import { backoffDelay } from '../../lib/retry/backoff.js';

/** How the runner retries a batch the ingest API could not take right now. */
export interface RetryPolicy {
  /** Tries in total, the first included. */
  attempts: number;
  baseMs: number;
  maxMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 6, baseMs: 100, maxMs: 5_000 };

/** 429 and 5xx are worth another try; any other status will fail the same way again. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/**
 * Delay before retry number `retry` (0-based): full jitter over an exponential ceiling, or
 * the server's `Retry-After` (seconds) when it sent one — both capped at `maxMs`.
 */
export function backoffMs(policy: RetryPolicy, retry: number, random: () => number, retryAfter?: string | null): number {
  const requested = retryAfter === null || retryAfter === undefined || retryAfter.trim() === '' ? Number.NaN : Number(retryAfter);
  if (Number.isFinite(requested) && requested >= 0) return Math.min(policy.maxMs, requested * 1000);
  return backoffDelay({ baseMs: policy.baseMs, capMs: policy.maxMs }, retry + 1, random);
}
