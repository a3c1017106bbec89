'use client';

import { useEffect, useRef } from 'react';
import type { TransportKind } from '@/lib/monitoring/model';
import { browserFamily } from '@/lib/rollout/browser-family';
import type { Cohort } from '@/lib/rollout/config';
import { createSampler, type Sampler } from '@/lib/validation/sampler';
import { postJson } from '@/lib/swr/fetcher';

/**
 * A tab in the shadow or realtime cohort reports what each transport delivered; legacy
 * tabs report nothing. Returns a ref so recording never re-renders the dashboard.
 */
export function useSampler(cohort: Cohort, clockOffsetMs: () => number, errors: () => Record<TransportKind, number>) {
  const sampler = useRef<Sampler | null>(null);
  const deps = useRef({ clockOffsetMs, errors });
  useEffect(() => {
    deps.current = { clockOffsetMs, errors };
  });
  useEffect(() => {
    if (cohort === 'legacy') return;
    const instance = createSampler({
      observer: `tab-${crypto.randomUUID()}`,
      cohort,
      browser: browserFamily(navigator.userAgent),
      clockOffsetMs: () => deps.current.clockOffsetMs(),
      errors: () => deps.current.errors(),
      send: async (batch) => {
        await postJson('/api/validation/samples', batch);
      },
    });
    sampler.current = instance;
    const flushOnHide = () => document.visibilityState === 'hidden' && void instance.flush();
    document.addEventListener('visibilitychange', flushOnHide);
    return () => {
      document.removeEventListener('visibilitychange', flushOnHide);
      sampler.current = null;
      void instance.stop();
    };
  }, [cohort]);
  return sampler;
}
