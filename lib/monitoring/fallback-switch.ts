import type { FallbackPolicy, FallbackRecord } from '@/lib/monitoring/fallback-policy';
import type { FeedSnapshot } from '@/lib/monitoring/feed-snapshot';
import type { TransportKind } from '@/lib/monitoring/model';
import type { RetryDecision } from '@/lib/monitoring/retry-policy';
import type { TransportFailure } from '@/lib/monitoring/transport-failure';

const MAX_LOG = 50;

export interface FallbackSwitchOptions {
  policy: FallbackPolicy;
  primary: TransportKind;
  /** null: there is nothing to fall back to, and the switch never engages. */
  fallback: TransportKind | null;
  isPrimaryLive(): boolean;
  /** Start serving from the fallback transport (the primary keeps being probed). */
  engage(): void;
  /** The primary has been live long enough: stop the fallback transport. */
  release(): void;
  onChange(): void;
}

/** Decides, from primary-transport signals and the policy, when to engage and release the fallback. */
export interface FallbackSwitch {
  /** The primary is (re)connecting: the down clock starts if it is not running. */
  primaryDown(): void;
  primaryLive(): void;
  primaryFailed(failure: TransportFailure, decision: RetryDecision): void;
  state(): FeedSnapshot['fallback'];
  dispose(): void;
}

export function createFallbackSwitch(options: FallbackSwitchOptions): FallbackSwitch {
  const { policy } = options;
  const log: FallbackRecord[] = [];
  let active = false;
  let since: number | null = null;
  let reason: string | null = null;
  let failures = 0;
  let downTimer: ReturnType<typeof setTimeout> | undefined;
  let returnTimer: ReturnType<typeof setTimeout> | undefined;

  const record = (kind: FallbackRecord['kind'], why: string) => {
    const other = options.fallback ?? options.primary;
    const [from, to] = kind === 'engaged' ? [options.primary, other] : [other, options.primary];
    log.push({ kind, at: Date.now(), from, to, reason: why });
    if (log.length > MAX_LOG) log.shift();
  };

  function engage(why: string) {
    clearTimeout(downTimer);
    downTimer = undefined;
    if (active || options.fallback === null) return;
    active = true;
    since = Date.now();
    reason = why;
    record('engaged', why);
    options.engage();
    options.onChange();
  }

  function release() {
    returnTimer = undefined;
    if (!active || !options.isPrimaryLive()) return;
    active = false;
    record('returned', `${options.primary} live again for ${policy.returnAfterLiveMs} ms`);
    since = null;
    reason = null;
    options.release();
    options.onChange();
  }

  function primaryDown() {
    clearTimeout(returnTimer);
    returnTimer = undefined;
    if (active || downTimer !== undefined) return;
    downTimer = setTimeout(() => {
      downTimer = undefined;
      if (!options.isPrimaryLive()) engage(`${options.primary} not live for ${policy.afterDownMs} ms`);
    }, policy.afterDownMs);
  }

  return {
    primaryDown,
    primaryLive() {
      failures = 0;
      clearTimeout(downTimer);
      downTimer = undefined;
      if (active && returnTimer === undefined) returnTimer = setTimeout(release, policy.returnAfterLiveMs);
    },
    primaryFailed(failure, decision) {
      failures += 1;
      clearTimeout(returnTimer);
      returnTimer = undefined;
      const why = `${options.primary}: ${failure.kind} (${failure.message})`;
      if (policy.immediate.includes(failure.kind) || failures >= policy.afterFailures || !decision.retry) engage(why);
      else primaryDown();
    },
    state: () => ({ active, since, reason, log: [...log] }),
    dispose() {
      clearTimeout(downTimer);
      clearTimeout(returnTimer);
    },
  };
}
