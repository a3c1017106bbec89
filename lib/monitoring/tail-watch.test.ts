import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Stream } from '@/lib/monitoring/model';
import { createTailWatch } from '@/lib/monitoring/tail-watch';

describe('tail watch', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('probes a stream quiet for quietMs, and again every quietMs while the lull lasts; a busy stream never', () => {
    const probes: Array<[Stream, number]> = [];
    const started = Date.now();
    const watch = createTailWatch(1_000, (stream) => probes.push([stream, Date.now() - started]));
    // cache_metrics delivers every 100 ms for 3 s; system_events stays quiet.
    for (let t = 0; t < 3_000; t += 100) {
      watch.touch('cache_metrics');
      vi.advanceTimersByTime(100);
    }
    expect(probes.filter(([stream]) => stream === 'cache_metrics')).toEqual([]);
    expect(probes.filter(([stream]) => stream === 'system_events').map(([, at]) => at)).toEqual([1_000, 2_000, 3_000]);
    // Its last delivery was at 2.9 s: quiet from then, it is asked about 1 s later.
    vi.advanceTimersByTime(1_000);
    expect(probes.filter(([stream]) => stream === 'cache_metrics').map(([, at]) => at)).toEqual([3_900]);
    watch.dispose();
    vi.advanceTimersByTime(10_000);
    expect(probes).toHaveLength(5);
  });

  it('costs no timer per delivery: a thousand touches leave one timer per stream', () => {
    const watch = createTailWatch(1_000, () => undefined);
    const armed = vi.getTimerCount();
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    for (let i = 0; i < 1_000; i += 1) watch.touch('cache_metrics');
    expect(setTimeoutSpy).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(armed);
    watch.dispose();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('never probes when quietMs is Infinity', () => {
    const probe = vi.fn();
    const watch = createTailWatch(Number.POSITIVE_INFINITY, probe);
    vi.advanceTimersByTime(60_000);
    expect(probe).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
    watch.dispose();
  });
});
