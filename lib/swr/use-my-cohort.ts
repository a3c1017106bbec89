'use client';

import { useRef } from 'react';
import useSWR from 'swr';
import type { MyCohort } from '@/lib/rollout/server/my-cohort';
import { fetcher } from '@/lib/swr/fetcher';

/**
 * The signed-in user's cohort, polled every 2 s so a rollout change reaches an open
 * dashboard within seconds. Also estimates client − server clock offset (NTP-style:
 * midpoint of the request against the server's time).
 */
export function useMyCohort(initial: MyCohort) {
  // The estimate from the fastest round trip of the last minute (its error is at most half that trip): a slow network
  // still gets an offset, and one slow poll never spoils a good estimate.
  const offset = useRef({ value: 0, rtt: Number.POSITIVE_INFINITY, at: 0 });
  const swr = useSWR<MyCohort>(
    '/api/rollout/me',
    async (url: string) => {
      const sent = Date.now();
      const body = await fetcher<MyCohort>(url);
      const received = Date.now();
      const rtt = received - sent;
      const best = offset.current;
      if (rtt <= best.rtt || received - best.at > 60_000) offset.current = { value: (sent + received) / 2 - body.serverTime, rtt, at: received };
      return body;
    },
    { refreshInterval: 2_000, fallbackData: initial, revalidateOnFocus: true, dedupingInterval: 1_000 },
  );
  return { cohort: swr.data ?? initial, clockOffsetMs: () => offset.current.value };
}
