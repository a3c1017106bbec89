import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_RETRY_POLICY, decideRetry, type RetryPolicy } from '@/lib/monitoring/retry-policy';
import { createScriptedTransport } from '@/test-support/monitoring/scripted-transport';
import { failure } from '@/lib/monitoring/transport-failure';
import { createTransportRunner, type RunnerPhase } from '@/lib/monitoring/transport-runner';

const policy: RetryPolicy = { baseMs: 100, capMs: 1_000, minMs: 10, maxAttempts: null, nonRetryable: ['unauthorized'] };
const network = failure('network', 'socket closed');

describe('retry policy', () => {
  it('draws the delay with full jitter below a doubling ceiling', () => {
    const delays = [1, 2, 3, 4, 5].map((attempt) => decideRetry(policy, network, attempt, () => 0.999_999));
    expect(delays.map((decision) => (decision.retry ? decision.delayMs : -1))).toEqual([99, 199, 399, 799, 999]);
  });

  it('never waits less than the floor, even when the jitter draws zero', () => {
    expect(decideRetry(policy, network, 1, () => 0)).toEqual({ retry: true, delayMs: 10, attempt: 1 });
  });

  it('caps the ceiling however many attempts failed', () => {
    const decision = decideRetry(policy, network, 500, () => 0.5);
    expect(decision).toEqual({ retry: true, delayMs: 500, attempt: 500 });
  });

  it('does not retry a named non-retryable failure', () => {
    expect(decideRetry(policy, failure('unauthorized', 'bad token', 4001), 1)).toEqual({ retry: false, reason: 'non_retryable', attempt: 1 });
  });

  it('gives up after the attempt budget', () => {
    const limited = { ...policy, maxAttempts: 2 };
    expect(decideRetry(limited, network, 2, () => 0).retry).toBe(true);
    expect(decideRetry(limited, network, 3, () => 0)).toEqual({ retry: false, reason: 'attempts_exhausted', attempt: 3 });
  });

  it('waits at least the floor of a slow failure kind: a switched-off feed, a Realtime plan limit', () => {
    expect(decideRetry(DEFAULT_RETRY_POLICY, failure('rate_limited', 'Too many messages per second'), 1, () => 0)).toMatchObject({ retry: true, delayMs: 5_000 });
    expect(decideRetry(DEFAULT_RETRY_POLICY, failure('decommissioned', 'legacy off'), 1, () => 0)).toMatchObject({ retry: true, delayMs: 30_000 });
    expect(decideRetry(DEFAULT_RETRY_POLICY, network, 1, () => 0)).toMatchObject({ retry: true, delayMs: 100 });
  });

  it('treats a bad token and a protocol violation as non-retryable by default', () => {
    expect(DEFAULT_RETRY_POLICY.nonRetryable).toEqual(expect.arrayContaining(['unauthorized', 'protocol_violation']));
  });
});

describe('transport runner', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function run(options: { liveTimeoutMs?: number } = {}) {
    const transport = createScriptedTransport('legacy');
    const phases: RunnerPhase[] = [];
    const lives: boolean[] = [];
    const runner = createTransportRunner({
      transport,
      retry: policy,
      liveTimeoutMs: options.liveTimeoutMs ?? 5_000,
      random: () => 0.5,
      resumeFrom: () => ({ cache_metrics: 41 }),
      onEvent: () => {},
      onInvalid: () => {},
      onGap: () => {},
      onLive: (reconnect) => lives.push(reconnect),
      onFailure: () => {},
      onPhase: (phase) => phases.push(phase),
    });
    return { transport, runner, phases, lives };
  }

  it('reconnects after the backoff delay and resumes from the last id', () => {
    const { transport, runner, phases } = run();
    runner.start();
    transport.current()?.live();
    transport.current()?.fail(network);
    expect(runner.phase()).toBe('backoff');
    vi.advanceTimersByTime(49);
    expect(transport.sessions).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(transport.sessions).toHaveLength(2);
    expect(transport.current()?.options.resumeFrom).toEqual({ cache_metrics: 41 });
    expect(phases).toEqual(['connecting', 'live', 'backoff', 'connecting']);
  });

  it('backs off longer after each consecutive failure and resets once live', () => {
    const { transport, runner } = run();
    runner.start();
    transport.current()?.fail(network);
    vi.advanceTimersByTime(50);
    transport.current()?.fail(network);
    vi.advanceTimersByTime(99);
    expect(transport.sessions).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(transport.sessions).toHaveLength(3);
    transport.current()?.live();
    transport.current()?.fail(network);
    vi.advanceTimersByTime(50);
    expect(transport.sessions).toHaveLength(4);
  });

  it('abandons a session that is not confirmed live within the budget', () => {
    const { transport, runner } = run({ liveTimeoutMs: 1_000 });
    runner.start();
    vi.advanceTimersByTime(1_000);
    expect(transport.sessions[0]?.closed).toBe(true);
    expect(runner.phase()).toBe('backoff');
  });

  it('stops for good on a non-retryable failure', () => {
    const { transport, runner } = run();
    runner.start();
    transport.current()?.fail(failure('unauthorized', 'bad token', 4001));
    vi.advanceTimersByTime(60_000);
    expect(runner.phase()).toBe('stopped');
    expect(transport.sessions).toHaveLength(1);
  });

  it('reports reconnects as such and ignores callbacks from replaced sessions', () => {
    const { transport, runner, lives } = run();
    runner.start();
    const first = transport.current();
    first?.live();
    first?.fail(network);
    vi.advanceTimersByTime(50);
    first?.handlers.onLive();
    transport.current()?.live();
    expect(lives).toEqual([false, true]);
  });
});
