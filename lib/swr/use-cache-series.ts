'use client';

import useSWR from 'swr';
import type { SeriesResponse } from '@/contracts/series';
import { SERIES_RANGES, type SeriesRange } from '@/lib/dashboard/series-ranges';
import { fetcher } from '@/lib/swr/fetcher';

/**
 * The stored series of a range, fetched when the range is chosen and again every minute
 * (raw ranges: every 30 s) so the live tail the page adds stays a few steps long.
 */
export function useCacheSeries(range: SeriesRange) {
  const refreshInterval = SERIES_RANGES[range].resolution === 'raw' ? 30_000 : 60_000;
  return useSWR<SeriesResponse>(`/api/monitoring/series?range=${range}`, fetcher, { refreshInterval, revalidateOnFocus: false });
}
