import type { FailureKind } from '@/lib/monitoring/transport-failure';

/** When the layer stops waiting for the primary transport and serves from the fallback one. */
export interface FallbackPolicy {
  /** Consecutive primary failures (without reaching live) that engage the fallback. */
  afterFailures: number;
  /** How long the primary may be down (or not yet live) before the fallback engages. */
  afterDownMs: number;
  /** Failures that engage the fallback at once. */
  immediate: readonly FailureKind[];
  /** The primary must stay live this long before the fallback is released (no flapping). */
  returnAfterLiveMs: number;
}

export const DEFAULT_FALLBACK_POLICY: FallbackPolicy = {
  afterFailures: 2,
  afterDownMs: 1_500,
  immediate: ['subscribe_failed', 'unauthorized'],
  returnAfterLiveMs: 2_000,
};

export interface FallbackRecord {
  kind: 'engaged' | 'returned';
  at: number;
  /** Transport served before → after the switch. */
  from: string;
  to: string;
  reason: string;
}
