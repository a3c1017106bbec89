import type { FailureKind, TransportFailure } from '@/lib/monitoring/transport-failure';
import { backoffDelay } from '@/lib/retry/backoff';

/** Reconnection backoff as data: exponential ceiling with full jitter, and failures never retried. */
export interface RetryPolicy {
  /** Ceiling of the first retry's delay; doubles per consecutive failure. */
  baseMs: number;
  /** Largest ceiling. */
  capMs: number;
  /** Smallest delay, so a refused socket never spins. */
  minMs: number;
  /** Consecutive failures after which to give up; null retries forever. */
  maxAttempts: number | null;
  nonRetryable: readonly FailureKind[];
  /**
   * Failures worth retrying only after a longer wait, each with its floor: the legacy feed
   * switched off (30 s), a Realtime plan limit (5 s: retrying sooner only hits the limit again).
   */
  slow?: ReadonlyArray<{ kinds: readonly FailureKind[]; minMs: number }>;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseMs: 500,
  capMs: 15_000,
  minMs: 100,
  maxAttempts: null,
  nonRetryable: ['unauthorized', 'protocol_violation'],
  slow: [
    { kinds: ['decommissioned'], minMs: 30_000 },
    { kinds: ['rate_limited'], minMs: 5_000 },
  ],
};

export type RetryDecision =
  | { retry: true; delayMs: number; attempt: number }
  | { retry: false; reason: 'non_retryable' | 'attempts_exhausted'; attempt: number };

/**
 * Decides the `attempt`-th consecutive retry (1-based) after `failure`:
 * delay = max(minMs, random · min(capMs, baseMs · 2^(attempt−1))).
 */
export function decideRetry(policy: RetryPolicy, failure: TransportFailure, attempt: number, random: () => number = Math.random): RetryDecision {
  if (policy.nonRetryable.includes(failure.kind)) return { retry: false, reason: 'non_retryable', attempt };
  if (policy.maxAttempts !== null && attempt > policy.maxAttempts) return { retry: false, reason: 'attempts_exhausted', attempt };
  const delayMs = backoffDelay(policy, attempt, random);
  const floor = policy.slow?.find((entry) => entry.kinds.includes(failure.kind))?.minMs ?? 0;
  return { retry: true, delayMs: Math.max(floor, delayMs), attempt };
}
