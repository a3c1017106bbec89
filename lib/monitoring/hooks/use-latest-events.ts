'use client';

import useSWR from 'swr';
import { MAX_HISTORY_LIMIT } from '@/contracts/history';
import type { Stream } from '@/lib/monitoring/model';
import { fetcher } from '@/lib/swr/fetcher';

export function latestEventsKey(stream: Stream, limit: number, historyUrl = '/api/monitoring/events'): string {
  return `${historyUrl}?${new URLSearchParams({ stream, latest: 'true', limit: String(Math.min(limit, MAX_HISTORY_LIMIT)) }).toString()}`;
}

/**
 * The newest rows of one stream from the history API (the feed's initial snapshot), as the
 * API sent them: the feed runtime parses them (it holds the parser, loaded off the first load).
 * Fetched once: the live feed keeps it current, so no revalidation. A null key until `ready`.
 */
export function useLatestEvents(stream: Stream, options: { limit: number; ready: boolean; historyUrl?: string }) {
  const { data, error, isLoading } = useSWR<unknown>(options.ready ? latestEventsKey(stream, options.limit, options.historyUrl) : null, fetcher, {
    revalidateIfStale: false,
    revalidateOnFocus: false,
    revalidateOnReconnect: false,
  });
  return { body: data, error: error as Error | undefined, isLoading };
}
