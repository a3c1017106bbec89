import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FallbackPolicy } from '@/lib/monitoring/fallback-policy';
import { createFeedMachine, stateTimeout, transition, type FeedEffect, type FeedEvent, type FeedMachineContext, type FeedState } from '@/lib/monitoring/feed-machine';
import type { RetryDecision } from '@/lib/monitoring/retry-policy';
import { failure } from '@/lib/monitoring/transport-failure';

const policy: FallbackPolicy = { afterFailures: 3, afterDownMs: 1_500, immediate: ['subscribe_failed'], returnAfterLiveMs: 2_000 };
const context: FeedMachineContext = { policy, primary: 'realtime', fallback: 'legacy', now: 1_000 };
const retrying: RetryDecision = { retry: true, delayMs: 100, attempt: 1 };
const dropped: FeedEvent = { type: 'primary-failed', failure: failure('network', 'socket closed', 1006), decision: retrying };

const idle: FeedState = { kind: 'idle' };
const awaiting = (failures: number): FeedState => ({ kind: 'awaiting-primary', failures });
const onPrimary: FeedState = { kind: 'on-primary' };
const onFallback: FeedState = { kind: 'on-fallback', since: 500, reason: 'realtime: network (socket closed)' };
const returning: FeedState = { kind: 'returning', since: 500, reason: 'realtime: network (socket closed)' };
const stopped: FeedState = { kind: 'stopped' };

const EVENTS: Record<FeedEvent['type'], FeedEvent> = {
  start: { type: 'start' },
  stop: { type: 'stop' },
  'primary-live': { type: 'primary-live' },
  'primary-failed': dropped,
  'down-timeout': { type: 'down-timeout' },
  'return-timeout': { type: 'return-timeout' },
};

describe('feed state machine: the transition table', () => {
  // Every state × every event, with a fallback lane and a failure that does not engage by itself.
  const table: Array<[FeedState, Record<FeedEvent['type'], FeedState['kind']>]> = [
    [idle, { start: 'awaiting-primary', stop: 'idle', 'primary-live': 'idle', 'primary-failed': 'idle', 'down-timeout': 'idle', 'return-timeout': 'idle' }],
    [awaiting(0), { start: 'awaiting-primary', stop: 'stopped', 'primary-live': 'on-primary', 'primary-failed': 'awaiting-primary', 'down-timeout': 'on-fallback', 'return-timeout': 'awaiting-primary' }],
    [onPrimary, { start: 'on-primary', stop: 'stopped', 'primary-live': 'on-primary', 'primary-failed': 'awaiting-primary', 'down-timeout': 'on-primary', 'return-timeout': 'on-primary' }],
    [onFallback, { start: 'on-fallback', stop: 'stopped', 'primary-live': 'returning', 'primary-failed': 'on-fallback', 'down-timeout': 'on-fallback', 'return-timeout': 'on-fallback' }],
    [returning, { start: 'returning', stop: 'stopped', 'primary-live': 'returning', 'primary-failed': 'on-fallback', 'down-timeout': 'returning', 'return-timeout': 'on-primary' }],
    [stopped, { start: 'stopped', stop: 'stopped', 'primary-live': 'stopped', 'primary-failed': 'stopped', 'down-timeout': 'stopped', 'return-timeout': 'stopped' }],
  ];
  for (const [state, next] of table) {
    it(`moves from ${state.kind} as the table says`, () => {
      const actual = Object.fromEntries(Object.entries(EVENTS).map(([type, event]) => [type, transition(state, event, context).state.kind]));
      expect(actual).toEqual(next);
    });
  }

  it('counts failures in a row while waiting and engages the fallback on the policy-th, saying why', () => {
    let step = transition(awaiting(0), dropped, context);
    step = transition(step.state, dropped, context);
    expect(step).toEqual({ state: awaiting(2) });
    step = transition(step.state, dropped, context);
    const reason = 'realtime: network (socket closed)';
    expect(step).toEqual({
      state: { kind: 'on-fallback', since: 1_000, reason },
      effect: { type: 'engage', record: { kind: 'engaged', at: 1_000, from: 'realtime', to: 'legacy', reason } },
    });
  });

  it('starts counting again at one when a live primary fails', () => {
    expect(transition(onPrimary, dropped, context)).toEqual({ state: awaiting(1) });
  });

  it('engages at once on a failure the policy names as immediate, or one that will not be retried', () => {
    const refused: FeedEvent = { type: 'primary-failed', failure: failure('subscribe_failed', 'postgres_changes unavailable'), decision: retrying };
    const unauthorized: FeedEvent = { type: 'primary-failed', failure: failure('unauthorized', 'bad token'), decision: { retry: false, reason: 'non_retryable', attempt: 1 } };
    expect(transition(onPrimary, refused, context).effect?.type).toBe('engage');
    expect(transition(awaiting(0), unauthorized, context).effect?.type).toBe('engage');
  });

  it('engages after the down timeout with the time it waited as the reason', () => {
    expect(transition(awaiting(1), EVENTS['down-timeout'], context).state).toEqual({ kind: 'on-fallback', since: 1_000, reason: 'realtime not live for 1500 ms' });
  });

  it('keeps when and why it engaged through returning and falling back again', () => {
    const back = transition(transition(onFallback, EVENTS['primary-live'], context).state, dropped, context);
    expect(back).toEqual({ state: onFallback });
  });

  it('releases the fallback once the returning primary stayed live', () => {
    expect(transition(returning, EVENTS['return-timeout'], context)).toEqual({
      state: onPrimary,
      effect: { type: 'release', record: { kind: 'returned', at: 1_000, from: 'legacy', to: 'realtime', reason: 'realtime live again for 2000 ms' } },
    });
  });

  it('never engages without a fallback lane, however the primary fails', () => {
    const alone = { ...context, fallback: null };
    const refused: FeedEvent = { type: 'primary-failed', failure: failure('subscribe_failed', 'no'), decision: { retry: false, reason: 'non_retryable', attempt: 1 } };
    expect(transition(awaiting(5), refused, alone)).toEqual({ state: awaiting(6) });
    expect(transition(awaiting(5), EVENTS['down-timeout'], alone)).toEqual({ state: awaiting(5) });
    expect(stateTimeout(awaiting(0), alone)).toBeNull();
  });

  it('gives only the waiting and returning states a timeout', () => {
    const timeouts = [idle, awaiting(0), onPrimary, onFallback, returning, stopped].map((state) => stateTimeout(state, context));
    expect(timeouts).toEqual([null, { ms: 1_500, event: { type: 'down-timeout' } }, null, null, { ms: 2_000, event: { type: 'return-timeout' } }, null]);
  });
});

describe('feed state machine: its clock', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function machine(fallback: 'legacy' | null = 'legacy') {
    const effects: FeedEffect['type'][] = [];
    const instance = createFeedMachine({ policy, primary: 'realtime', fallback, onEffect: (effect) => effects.push(effect.type) });
    return { instance, effects };
  }

  it('engages when the primary is not live within the down time, counted from the start across failures', async () => {
    const { instance, effects } = machine();
    instance.send(EVENTS.start);
    await vi.advanceTimersByTimeAsync(1_000);
    instance.send(dropped);
    await vi.advanceTimersByTimeAsync(499);
    expect(effects).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(effects).toEqual(['engage']);
    expect(instance.fallback()).toMatchObject({ active: true, reason: 'realtime not live for 1500 ms', log: [{ kind: 'engaged' }] });
  });

  it('does not engage when the primary goes live in time', async () => {
    const { instance, effects } = machine();
    instance.send(EVENTS.start);
    await vi.advanceTimersByTimeAsync(1_000);
    instance.send(EVENTS['primary-live']);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(effects).toEqual([]);
    expect(instance.state()).toEqual(onPrimary);
  });

  it('returns only after the primary stays live for the return time; a failure meanwhile restarts the wait', async () => {
    const { instance, effects } = machine();
    instance.send(EVENTS.start);
    await vi.advanceTimersByTimeAsync(1_500);
    instance.send(EVENTS['primary-live']);
    await vi.advanceTimersByTimeAsync(1_900);
    instance.send(dropped);
    instance.send(EVENTS['primary-live']);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(effects).toEqual(['engage']);
    await vi.advanceTimersByTimeAsync(1);
    expect(effects).toEqual(['engage', 'release']);
    expect(instance.fallback()).toMatchObject({ active: false, since: null, reason: null });
    expect(instance.fallback().log.map((record) => record.kind)).toEqual(['engaged', 'returned']);
  });

  it('runs no timer without a fallback lane, and none after stop', async () => {
    const alone = machine(null);
    alone.instance.send(EVENTS.start);
    expect(vi.getTimerCount()).toBe(0);
    const { instance, effects } = machine();
    instance.send(EVENTS.start);
    instance.send(EVENTS.stop);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(effects).toEqual([]);
    expect(instance.state()).toEqual(stopped);
  });
});
