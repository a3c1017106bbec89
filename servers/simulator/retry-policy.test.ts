import { describe, expect, it } from 'vitest';
import { backoffMs, isRetryableStatus, type RetryPolicy } from './retry-policy.js';

const policy: RetryPolicy = { attempts: 5, baseMs: 100, maxMs: 1_000 };

describe('retry policy', () => {
  it('retries rate limits and server errors only', () => {
    expect([429, 500, 502, 503].map(isRetryableStatus)).toEqual([true, true, true, true]);
    expect([400, 401, 413, 415].map(isRetryableStatus)).toEqual([false, false, false, false]);
  });

  it('waits a jittered share of an exponential ceiling, capped', () => {
    expect([0, 1, 2, 3, 4, 10].map((retry) => backoffMs(policy, retry, () => 0.999_999))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffMs(policy, 3, () => 0)).toBe(0);
  });

  it('follows Retry-After seconds, still capped', () => {
    expect(backoffMs(policy, 0, () => 0.5, '0')).toBe(0);
    expect(backoffMs(policy, 0, () => 0.5, '0.25')).toBe(250);
    expect(backoffMs(policy, 0, () => 0.5, '30')).toBe(1_000);
    expect(backoffMs(policy, 1, () => 0.5, 'soon')).toBe(100);
  });
});
