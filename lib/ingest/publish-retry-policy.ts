import { backoffDelay, type Backoff } from '@/lib/retry/backoff';

/** How the legacy publisher retries a batch the legacy server did not take. */
export interface PublishRetryPolicy extends Backoff {
  /** Attempts per batch before it is dropped (counted); bounds the head-of-line wait. */
  maxAttempts: number;
}

export const DEFAULT_PUBLISH_RETRY: PublishRetryPolicy = { baseMs: 100, capMs: 5_000, minMs: 10, maxAttempts: 30 };

/** The delay before retry `failedAttempts` of a batch (the one backoff, lib/retry/backoff.ts). */
export const publishBackoffMs = (policy: PublishRetryPolicy, failedAttempts: number, random: () => number = Math.random): number => backoffDelay(policy, failedAttempts, random);

/** Worth retrying: the network failed (null), the server timed out, throttled, or broke. */
export function isRetryablePublishStatus(status: number | null): boolean {
  return status === null || status === 408 || status === 425 || status === 429 || status >= 500;
}
