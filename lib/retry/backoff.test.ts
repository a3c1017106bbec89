import { describe, expect, it } from 'vitest';
import { backoffDelay } from '@/lib/retry/backoff';

describe('backoff (full jitter)', () => {
  const backoff = { baseMs: 100, capMs: 1_000, minMs: 10 };
  it('draws uniformly below an exponential ceiling that doubles per attempt, capped', () => {
    expect([1, 2, 3, 4, 5, 40].map((attempt) => backoffDelay(backoff, attempt, () => 0.999_999))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelay(backoff, 3, () => 0.5)).toBe(200);
  });

  it('never waits less than the floor, so a refused call never spins', () => {
    expect(backoffDelay(backoff, 1, () => 0)).toBe(10);
    expect(backoffDelay({ baseMs: 100, capMs: 1_000 }, 1, () => 0)).toBe(0);
  });
});
