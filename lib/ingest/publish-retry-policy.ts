/** How the legacy publisher retries a batch the legacy server did not take. */
export interface PublishRetryPolicy {
  /** Delay before the first retry; doubles (`factor`) per attempt up to `maxMs`. */
  baseMs: number;
  maxMs: number;
  factor: number;
  /** Attempts per batch before it is dropped (counted); bounds the head-of-line wait. */
  maxAttempts: number;
}

export const DEFAULT_PUBLISH_RETRY: PublishRetryPolicy = { baseMs: 100, maxMs: 5_000, factor: 2, maxAttempts: 30 };

/** Exponential backoff with equal jitter: half the capped delay plus a random half. */
export function publishBackoffMs(policy: PublishRetryPolicy, failedAttempts: number, random: () => number = Math.random): number {
  const capped = Math.min(policy.maxMs, policy.baseMs * policy.factor ** Math.max(0, failedAttempts - 1));
  return Math.round(capped / 2 + random() * (capped / 2));
}

/** Worth retrying: the network failed (null), the server timed out, throttled, or broke. */
export function isRetryablePublishStatus(status: number | null): boolean {
  return status === null || status === 408 || status === 425 || status === 429 || status >= 500;
}
