import { describe, expect, it } from 'vitest';
import type { SeriesResponse } from '@/contracts/series';
import { isStale, mergeSeries, STALE_AFTER_MS } from '@/lib/dashboard/merge-series';
import { maxPoints, SERIES_RANGE_NAMES, SERIES_RANGES, seriesWindow, type SeriesRange } from '@/lib/dashboard/series-ranges';
import type { CacheMetricEvent } from '@/lib/monitoring/model';

const MINUTE = 60_000;
const NOW = Date.parse('2026-12-02T20:08:30Z');
let nextId = 1;

function row(at: number, overrides: Partial<CacheMetricEvent> = {}): CacheMetricEvent {
  return {
    stream: 'cache_metrics', id: nextId++, eventId: `e-${nextId}`, emittedAt: at, provenance: { transport: 'realtime', receivedAt: at },
    source: 'node-1', cacheName: 'sessions', windowSeconds: 1, hits: 9, misses: 1, hitRatio: 0.9, evictions: 0, keys: 10, memoryBytes: 100, opsPerSec: 10, p50LatencyMs: 0.5, p99LatencyMs: 2,
    ...overrides,
  };
}

function stored(range: SeriesRange, to: number, t: number[], hitRatio = 0.5): SeriesResponse {
  const { stepMs, resolution } = SERIES_RANGES[range];
  const column = t.map(() => hitRatio);
  return {
    range, resolution, stepMs, from: seriesWindow(range, to).from, to,
    series: [{ cache: 'sessions', t, hitRatio: column, opsPerSec: column, p50LatencyMs: column, p99LatencyMs: column, keys: column, memoryBytes: column, evictionsPerSec: column }],
  };
}

describe('mergeSeries', () => {
  it('shows the stored range at once, before any live row', () => {
    const t = [NOW - 3 * MINUTE, NOW - 2 * MINUTE, NOW - MINUTE].map((x) => Math.floor(x / MINUTE) * MINUTE);
    const [only] = mergeSeries(stored('24h', NOW, t), [], '24h', NOW);
    expect(only?.times).toEqual(t);
    expect(only?.hitRatio).toEqual([0.5, 0.5, 0.5]);
  });

  it('continues with live rows without repeating the step the stored series ends in', () => {
    const cut = Math.floor(NOW / MINUTE) * MINUTE;
    // The page holds rows from before the cut: live takes the cut's step over.
    const live = [row(cut - 5_000), row(cut + 1_000), row(cut + 2_000), row(cut + MINUTE + 1_000)];
    const [only] = mergeSeries(stored('24h', NOW, [cut - MINUTE, cut]), live, '24h', cut + MINUTE + 2_000);
    expect(only?.times).toEqual([cut - MINUTE, cut, cut + MINUTE]);
    expect(only?.hitRatio).toEqual([0.5, 0.9, 0.9]);
    // The page opened after the cut: the stored partial step stays, live starts at the next one.
    const [later] = mergeSeries(stored('24h', NOW, [cut - MINUTE, cut]), [row(cut + 40_000), row(cut + MINUTE + 1_000)], '24h', cut + MINUTE + 2_000);
    expect(later?.times).toEqual([cut - MINUTE, cut, cut + MINUTE]);
    expect(later?.hitRatio).toEqual([0.5, 0.5, 0.9]);
  });

  it('draws missing steps as a gap', () => {
    const [only] = mergeSeries(undefined, [row(NOW - 10_000), row(NOW - 1_000)], '5m', NOW);
    expect(only?.times).toEqual([NOW - 10_000, NOW - 9_000, NOW - 1_000]);
    expect(only?.hitRatio).toEqual([0.9, null, 0.9]);
  });

  it('keeps the point count within the range budget however long the tab stays open', () => {
    for (const range of SERIES_RANGE_NAMES) {
      const { stepMs, ms } = SERIES_RANGES[range];
      const fetchedAt = NOW;
      const t: number[] = [];
      for (let x = seriesWindow(range, fetchedAt).from; x < fetchedAt; x += stepMs) t.push(x);
      // Hours later, never re-fetched, with a full live buffer in every other step.
      const now = fetchedAt + Math.min(ms, 3 * 3_600_000);
      const live: CacheMetricEvent[] = [];
      for (let x = now - Math.min(ms, 20_000 * 1000); x < now; x += Math.max(1000, stepMs / 3)) if (Math.floor(x / stepMs) % 2 === 0) live.push(row(x));
      const [only] = mergeSeries(stored(range, fetchedAt, t), live, range, now);
      expect(only?.times.length).toBeLessThanOrEqual(maxPoints(range));
      expect(only?.times.every((x, i, all) => i === 0 || x > (all[i - 1] as number))).toBe(true);
      expect(only?.times[0]).toBeGreaterThanOrEqual(seriesWindow(range, now).from);
    }
  });

  it('marks a cache stale when its newest data is older than the stale limit', () => {
    const [fresh] = mergeSeries(undefined, [row(NOW - 1_000)], '5m', NOW);
    expect(fresh?.latest?.at).toBe(NOW - 1_000);
    expect(isStale(fresh?.latest ?? null, NOW)).toBe(false);
    expect(isStale(fresh?.latest ?? null, NOW - 1_000 + STALE_AFTER_MS + 1)).toBe(true);
    // Only stored data, fetched long ago: stale from the end of its last step.
    const [old] = mergeSeries(stored('24h', NOW - 10 * MINUTE, [Math.floor((NOW - 11 * MINUTE) / MINUTE) * MINUTE]), [], '24h', NOW);
    expect(isStale(old?.latest ?? null, NOW)).toBe(true);
  });

  it('steps live rows like the series API: rates over the time reported, summed across shards; gauges summed over shards', () => {
    const t0 = Math.floor(NOW / 5_000) * 5_000;
    const live = [0, 1, 2, 3, 4].flatMap((s) => [row(t0 + s * 1000, { source: 'a', opsPerSec: 100, keys: 10 + s }), row(t0 + s * 1000 + 1, { source: 'b', opsPerSec: 50, keys: 20, p99LatencyMs: 9 })]);
    const [only] = mergeSeries(undefined, live, '15m', t0 + 5_000);
    expect(only?.opsPerSec.at(-1)).toBe(150);
    expect(only?.latest?.keys).toBe(14 + 20);
    // p99 on the histograms' scale: 9 ms sits in the bucket whose upper edge is 11.102 ms.
    expect(only?.latest?.p99LatencyMs).toBe(11.102);
  });
});
