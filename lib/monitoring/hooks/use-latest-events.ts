'use client';

import { useMemo } from 'react';
import useSWR from 'swr';
import { MAX_PAGE, parseHistoryPage } from '@/lib/monitoring/history-client';
import type { MonitoringEvent, Stream } from '@/lib/monitoring/model';
import { fetcher } from '@/lib/swr/fetcher';

export function latestEventsKey(stream: Stream, limit: number, historyUrl = '/api/monitoring/events'): string {
  return `${historyUrl}?${new URLSearchParams({ stream, latest: 'true', limit: String(Math.min(limit, MAX_PAGE)) }).toString()}`;
}

/**
 * The newest rows of one stream from the history API (the feed's initial snapshot).
 * Fetched once: the live feed keeps it current, so no revalidation. A null key until `ready`.
 */
export function useLatestEvents(stream: Stream, options: { limit: number; ready: boolean; historyUrl?: string }) {
  const { data, error, isLoading } = useSWR<unknown>(options.ready ? latestEventsKey(stream, options.limit, options.historyUrl) : null, fetcher, {
    revalidateIfStale: false,
    revalidateOnFocus: false,
    revalidateOnReconnect: false,
  });
  const events = useMemo<MonitoringEvent[] | undefined>(() => (data === undefined ? undefined : parseHistoryPage(data)), [data]);
  return { events, error: error as Error | undefined, isLoading };
}
