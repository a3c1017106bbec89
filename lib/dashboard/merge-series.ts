import type { CacheSeriesPoints, SeriesResponse } from '@/contracts/series';
import { liveSteps, type CacheSeries, type LatestReading } from '@/lib/dashboard/cache-series';
import { SERIES_RANGES, seriesWindow, type SeriesRange } from '@/lib/dashboard/series-ranges';
import type { CacheMetricEvent } from '@/lib/monitoring/model';

/** A cache whose newest data is older than this shows as stale (the simulator reports every second). */
export const STALE_AFTER_MS = 15_000;

export const isStale = (latest: LatestReading | null, now: number) => latest === null || now - latest.at > STALE_AFTER_MS;

/**
 * The chart series for a range: what the series API served (history, at once), continued
 * by live rows stepped the same way, cut to the range's window. Live rows take over from
 * the step the stored series ends in when the page holds that step's start; otherwise from
 * the next step. So the point count stays ≤ the range's budget plus the steps since the
 * last fetch, however long the tab stays open. Pure.
 */
export function mergeSeries(server: SeriesResponse | undefined, live: readonly CacheMetricEvent[], range: SeriesRange, now: number): CacheSeries[] {
  const { stepMs } = SERIES_RANGES[range];
  const { from } = seriesWindow(range, now);
  const stored = server && server.range === range ? server : undefined;
  let liveFrom = from;
  if (stored) {
    const cut = Math.floor(stored.to / stepMs) * stepMs;
    const oldestLive = live.reduce((min, m) => Math.min(min, m.emittedAt), Infinity);
    liveFrom = Math.max(from, oldestLive <= cut ? cut : cut + stepMs);
  }
  const byCache = new Map<string, { stored?: CacheSeriesPoints; live?: ReturnType<typeof liveSteps>[number] }>();
  for (const s of stored?.series ?? []) byCache.set(s.cache, { stored: s });
  for (const s of liveSteps(live, liveFrom, stepMs)) byCache.set(s.cache, { ...byCache.get(s.cache), live: s });
  return [...byCache.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([cacheName, parts]) => joined(cacheName, parts.stored, parts.live, { from, liveFrom, stepMs, storedTo: stored?.to ?? 0 }));
}

function joined(
  cacheName: string,
  stored: CacheSeriesPoints | undefined,
  live: (CacheSeriesPoints & { newestAt: number }) | undefined,
  at: { from: number; liveFrom: number; stepMs: number; storedTo: number },
): CacheSeries {
  const out: CacheSeries = { cacheName, times: [], hitRatio: [], opsPerSec: [], p99LatencyMs: [], latest: null };
  const columns = [stored, live].filter((part): part is CacheSeriesPoints => part !== undefined);
  let latest: LatestReading | null = null;
  for (const part of columns) {
    const fromLive = part === live;
    part.t.forEach((t, i) => {
      if (t < at.from || (!fromLive && t >= at.liveFrom)) return;
      const previous = out.times.at(-1);
      // A gap (a step or more without data) is drawn as one: a null point after the last value.
      if (previous !== undefined && t > previous + at.stepMs && out.hitRatio.at(-1) !== null) push(out, previous + at.stepMs, null, null, null);
      push(out, t, part.hitRatio[i] ?? null, part.opsPerSec[i] ?? null, part.p99LatencyMs[i] ?? null);
      if (part.hitRatio[i] !== null && part.hitRatio[i] !== undefined) {
        latest = {
          hitRatio: part.hitRatio[i] ?? null,
          opsPerSec: part.opsPerSec[i] ?? null,
          p99LatencyMs: part.p99LatencyMs[i] ?? null,
          p50LatencyMs: part.p50LatencyMs[i] ?? null,
          keys: part.keys[i] ?? null,
          memoryBytes: part.memoryBytes[i] ?? null,
          evictionsPerSec: part.evictionsPerSec[i] ?? null,
          // A stored step vouches for data up to its end (or the fetch); a live one for its newest row.
          at: fromLive && live ? live.newestAt : Math.min(t + at.stepMs, at.storedTo),
        };
      }
    });
  }
  out.latest = latest;
  return out;
}

function push(out: CacheSeries, t: number, hitRatio: number | null, ops: number | null, p99: number | null) {
  out.times.push(t);
  out.hitRatio.push(hitRatio);
  out.opsPerSec.push(ops);
  out.p99LatencyMs.push(p99);
}
