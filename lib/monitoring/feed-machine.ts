import { assertNever } from '@/lib/assert-never';
import type { FallbackPolicy, FallbackRecord } from '@/lib/monitoring/fallback-policy';
import type { FallbackState } from '@/lib/monitoring/feed-snapshot';
import type { TransportKind } from '@/lib/monitoring/model';
import type { RetryDecision } from '@/lib/monitoring/retry-policy';
import type { TransportFailure } from '@/lib/monitoring/transport-failure';

/**
 * The feed's lifecycle and which lane serves the dashboard. The whole table:
 *
 *   state             event            → next                                 effect
 *   idle              start            → awaiting-primary(0)
 *   awaiting(n)       primary-live     → on-primary
 *   awaiting(n)       primary-failed   → on-fallback when it engages¹, else awaiting(n+1)   engage
 *   awaiting(n)       down-timeout     → on-fallback                          engage
 *   on-primary        primary-failed   → on-fallback when it engages¹, else awaiting(1)     engage
 *   on-fallback       primary-live     → returning
 *   returning         primary-failed   → on-fallback
 *   returning         return-timeout   → on-primary                           release
 *   any but idle      stop             → stopped
 *   anything else                      → unchanged (e.g. a second start, a late primary signal)
 *
 * ¹ the failure is in the policy's `immediate` list, or the n+1-th in a row, or not retried;
 *   and there is a fallback lane at all. Without one the feed only moves between awaiting
 *   and on-primary (and no down clock runs).
 *
 * A state's timeout is armed when the state is entered and cancelled when it is left; a
 * transition back into the same state (awaiting → awaiting) keeps the clock running.
 */
export type FeedState =
  /** Created, not started. */
  | { kind: 'idle' }
  /** The primary is connecting or retrying; the fallback is not engaged. */
  | { kind: 'awaiting-primary'; failures: number }
  /** The primary is live and serves; the fallback lane is not running. */
  | { kind: 'on-primary' }
  /** The fallback serves while the primary is probed. */
  | { kind: 'on-fallback'; since: number; reason: string }
  /** The fallback still serves; the primary is live again and must stay live to take over. */
  | { kind: 'returning'; since: number; reason: string }
  /** Stopped for good (a feed is single-use). */
  | { kind: 'stopped' };

export type FeedEvent =
  | { type: 'start' }
  | { type: 'stop' }
  /** A primary session reached live (confirmed by its server). */
  | { type: 'primary-live' }
  | { type: 'primary-failed'; failure: TransportFailure; decision: RetryDecision }
  | { type: 'down-timeout' }
  | { type: 'return-timeout' };

/** What the feed does on a transition: start or stop the fallback lane (with the record for the log). */
export type FeedEffect = { type: 'engage'; record: FallbackRecord } | { type: 'release'; record: FallbackRecord };

export interface FeedMachineContext {
  policy: FallbackPolicy;
  primary: TransportKind;
  /** null: no fallback lane; the feed never engages one. */
  fallback: TransportKind | null;
  now: number;
}

export interface FeedStep {
  state: FeedState;
  effect?: FeedEffect;
}

type FallbackStates = Extract<FeedState, { kind: 'on-fallback' | 'returning' }>;

/** The transition table above, as code. Pure: `now` comes in with the context. */
export function transition(state: FeedState, event: FeedEvent, context: FeedMachineContext): FeedStep {
  if (event.type === 'stop') return state.kind === 'idle' ? { state } : { state: { kind: 'stopped' } };
  switch (state.kind) {
    case 'idle':
      return event.type === 'start' ? { state: { kind: 'awaiting-primary', failures: 0 } } : { state };
    case 'awaiting-primary':
      if (event.type === 'primary-live') return { state: { kind: 'on-primary' } };
      if (event.type === 'primary-failed') return afterFailure(state.failures + 1, event, context);
      if (event.type === 'down-timeout') return engage(`${context.primary} not live for ${context.policy.afterDownMs} ms`, context) ?? { state };
      return { state };
    case 'on-primary':
      return event.type === 'primary-failed' ? afterFailure(1, event, context) : { state };
    case 'on-fallback':
      return event.type === 'primary-live' ? { state: { ...state, kind: 'returning' } } : { state };
    case 'returning':
      if (event.type === 'primary-failed') return { state: { ...state, kind: 'on-fallback' } };
      if (event.type === 'return-timeout') return release(context);
      return { state };
    case 'stopped':
      return { state };
    default:
      return assertNever(state, 'feed state');
  }
}

/** How long a state may last before its own timeout event, or null when it has none. */
export function stateTimeout(state: FeedState, context: Omit<FeedMachineContext, 'now'>): { ms: number; event: FeedEvent } | null {
  switch (state.kind) {
    case 'awaiting-primary':
      // A primary that is not live this long is down for the viewer: serve from the fallback meanwhile.
      return context.fallback === null ? null : { ms: context.policy.afterDownMs, event: { type: 'down-timeout' } };
    case 'returning':
      // The primary must stay live this long before the fallback is let go, so a flapping primary does not flap the dashboard.
      return { ms: context.policy.returnAfterLiveMs, event: { type: 'return-timeout' } };
    case 'idle':
    case 'on-primary':
    case 'on-fallback':
    case 'stopped':
      return null;
    default:
      return assertNever(state, 'feed state');
  }
}

/** Started and not yet stopped. */
export function isRunning(state: FeedState): boolean {
  return state.kind !== 'idle' && state.kind !== 'stopped';
}

export function fallbackActive(state: FeedState): state is FallbackStates {
  return state.kind === 'on-fallback' || state.kind === 'returning';
}

/** The `failures`-th primary failure in a row: engage at once when the policy says so, else keep waiting. */
function afterFailure(failures: number, event: Extract<FeedEvent, { type: 'primary-failed' }>, context: FeedMachineContext): FeedStep {
  const { policy } = context;
  const engages = policy.immediate.includes(event.failure.kind) || failures >= policy.afterFailures || !event.decision.retry;
  const why = `${context.primary}: ${event.failure.kind} (${event.failure.message})`;
  return (engages ? engage(why, context) : null) ?? { state: { kind: 'awaiting-primary', failures } };
}

function engage(reason: string, context: FeedMachineContext): FeedStep | null {
  if (context.fallback === null) return null;
  const record: FallbackRecord = { kind: 'engaged', at: context.now, from: context.primary, to: context.fallback, reason };
  return { state: { kind: 'on-fallback', since: context.now, reason }, effect: { type: 'engage', record } };
}

function release(context: FeedMachineContext): FeedStep {
  const reason = `${context.primary} live again for ${context.policy.returnAfterLiveMs} ms`;
  const record: FallbackRecord = { kind: 'returned', at: context.now, from: context.fallback ?? context.primary, to: context.primary, reason };
  return { state: { kind: 'on-primary' }, effect: { type: 'release', record } };
}

const MAX_LOG = 50;

export interface FeedMachineOptions extends Omit<FeedMachineContext, 'now'> {
  /** Runs a transition's effect, after the new state (and its timeout) is in place. */
  onEffect(effect: FeedEffect): void;
}

/** The table above with its clock: holds the state, runs each state's timeout, keeps the fallback log. */
export interface FeedMachine {
  send(event: FeedEvent): void;
  state(): FeedState;
  /** The fallback as the snapshot shows it: engaged or not, since when, why, every engage and return. */
  fallback(): Omit<FallbackState, 'lane'>;
}

export function createFeedMachine(options: FeedMachineOptions): FeedMachine {
  const log: FallbackRecord[] = [];
  let state: FeedState = { kind: 'idle' };
  let timer: ReturnType<typeof setTimeout> | undefined;

  const { policy, primary, fallback } = options;

  function send(event: FeedEvent) {
    const step = transition(state, event, { policy, primary, fallback, now: Date.now() });
    const entered = step.state.kind !== state.kind;
    state = step.state;
    if (entered) {
      clearTimeout(timer);
      const timeout = stateTimeout(state, { policy, primary, fallback });
      timer = timeout ? setTimeout(() => send(timeout.event), timeout.ms) : undefined;
    }
    if (!step.effect) return;
    log.push(step.effect.record);
    if (log.length > MAX_LOG) log.shift();
    options.onEffect(step.effect);
  }

  return {
    send,
    state: () => state,
    fallback: () => (fallbackActive(state) ? { active: true, since: state.since, reason: state.reason, log: [...log] } : { active: false, since: null, reason: null, log: [...log] }),
  };
}
