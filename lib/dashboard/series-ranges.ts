import type { SeriesResolution } from '@/contracts/series';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * The dashboard's ranges and where each is read from: raw rows up to 15 minutes (≤ 18,000
 * rows at the default rate), minute rollups up to a day, hour rollups beyond. Each stays ≤ 1,440 points per cache, so the
 * payload and the chart are bounded whatever the range (the series API and the chart
 * both use this table).
 */
export const SERIES_RANGES = {
  '5m': { label: '5 min', ms: 5 * MINUTE, resolution: 'raw', stepMs: 1_000 },
  '15m': { label: '15 min', ms: 15 * MINUTE, resolution: 'raw', stepMs: 5_000 },
  '1h': { label: '1 h', ms: HOUR, resolution: '1m', stepMs: MINUTE },
  '6h': { label: '6 h', ms: 6 * HOUR, resolution: '1m', stepMs: MINUTE },
  '24h': { label: '24 h', ms: 24 * HOUR, resolution: '1m', stepMs: MINUTE },
  '7d': { label: '7 d', ms: 7 * 24 * HOUR, resolution: '1h', stepMs: HOUR },
  '30d': { label: '30 d', ms: 30 * 24 * HOUR, resolution: '1h', stepMs: HOUR },
} as const satisfies Record<string, { label: string; ms: number; resolution: SeriesResolution; stepMs: number }>;

export type SeriesRange = keyof typeof SERIES_RANGES;
export const SERIES_RANGE_NAMES = Object.keys(SERIES_RANGES) as SeriesRange[];

/** Points per cache a range can return (its window over its step, plus the partial step at each end). */
export const maxPoints = (range: SeriesRange) => Math.ceil(SERIES_RANGES[range].ms / SERIES_RANGES[range].stepMs) + 1;

/** The window a range covers at `now`: `from` aligned down to the step, so buckets line up between reads. */
export function seriesWindow(range: SeriesRange, now: number): { from: number; to: number } {
  const { ms, stepMs } = SERIES_RANGES[range];
  return { from: Math.floor((now - ms) / stepMs) * stepMs, to: now };
}
