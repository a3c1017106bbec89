'use client';

import { useRef } from 'react';
import useSWR from 'swr';
import type { MyCohort } from '@/lib/rollout/my-cohort';
import { fetcher } from '@/lib/swr/fetcher';

/**
 * The signed-in user's cohort, polled every 2 s so a rollout change reaches an open
 * dashboard within seconds. Also estimates client − server clock offset (NTP-style:
 * midpoint of the request against the server's time).
 */
export function useMyCohort(initial: MyCohort) {
  const offset = useRef(0);
  const swr = useSWR<MyCohort>(
    '/api/rollout/me',
    async (url: string) => {
      const sent = Date.now();
      const body = await fetcher<MyCohort>(url);
      const received = Date.now();
      if (received - sent < 1_000) offset.current = (sent + received) / 2 - body.serverTime;
      return body;
    },
    { refreshInterval: 2_000, fallbackData: initial, revalidateOnFocus: true, dedupingInterval: 1_000 },
  );
  return { cohort: swr.data ?? initial, clockOffsetMs: () => offset.current };
}
