import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type RolloutConfig } from '@/lib/rollout/config';
import { createSnapshotCache } from '@/lib/rollout/edge/snapshot-cache';

/** A config source whose fetches the test completes by hand. */
function source() {
  const clock = { now: 0 };
  const pending: Array<(config: RolloutConfig) => void> = [];
  const cache = createSnapshotCache({ now: () => clock.now, fetchConfig: () => new Promise((resolve) => pending.push(resolve)) });
  return { cache, clock, pending, answer: (version: number) => pending.shift()?.({ ...DEFAULT_CONFIG, version }) };
}

describe('the edge config snapshot', () => {
  it('waits only for the very first fetch, then serves from memory', async () => {
    const { cache, answer } = source();
    const first = cache.get();
    answer(2);
    expect((await first).version).toBe(2);
    expect((await cache.get()).version).toBe(2);
  });

  it('serves a stale snapshot at once, however old, and refreshes it in the background', async () => {
    const { cache, clock, pending, answer } = source();
    const first = cache.get();
    answer(2);
    await first;
    clock.now = 60_000;
    // The request is answered from memory without waiting for the network…
    expect((await cache.get()).version).toBe(2);
    expect(pending).toHaveLength(1);
    // …and one refresh is in flight however many requests ask meanwhile.
    await cache.get();
    expect(pending).toHaveLength(1);
    answer(3);
    await new Promise((resolve) => setImmediate(resolve));
    expect((await cache.get()).version).toBe(3);
  });
});
