'use client';

import { useEffect, useRef, useState } from 'react';
import type { MonitoringEvent, TransportKind } from '@/lib/monitoring/model';
import type { RealtimeStrategy } from '@/contracts/transports';
import type { LaneChange } from '@/lib/monitoring/monitoring-feed';
import { browserFamily } from '@/lib/rollout/browser-family';
import type { Cohort } from '@/lib/rollout/config';
import { postJson } from '@/lib/swr/fetcher';
import { createSampler, type Lane, type Sampler } from '@/lib/validation/engine/sampler';

export interface SamplerInputs {
  cohort: Cohort;
  /** The feed's shape (primary / shadow / fallback / Realtime strategy): a new feed is a new observer. */
  feedKey: string;
  /** The strategy this feed's Realtime lanes use (what each Realtime sample names). */
  realtimeStrategy: RealtimeStrategy;
  clockOffsetMs(): number;
  errors(): Record<TransportKind, number>;
  historyRecovered(): number;
}

/** What the feed reports to; stable across renders. */
export interface SamplerTap {
  event(event: MonitoringEvent, lane: Lane): void;
  lane(change: LaneChange): void;
}

/**
 * A tab in the shadow or realtime cohort reports what each transport delivered live, and
 * when each of its lanes was live and visible; legacy tabs report nothing. One observer
 * per feed: a cohort or transport switch ends the old observer's coverage and starts a
 * new one. A closing page sends a last, small keep-alive report ending its coverage.
 */
export function useSampler(inputs: SamplerInputs): SamplerTap {
  const sampler = useRef<Sampler | null>(null);
  const deps = useRef(inputs);
  useEffect(() => {
    deps.current = inputs;
  });
  const { cohort, feedKey, realtimeStrategy } = inputs;
  useEffect(() => {
    if (cohort === 'legacy') return;
    const instance = createSampler({
      observer: `tab-${crypto.randomUUID()}`,
      cohort,
      browser: browserFamily(navigator.userAgent),
      realtimeStrategy,
      clockOffsetMs: () => deps.current.clockOffsetMs(),
      errors: () => deps.current.errors(),
      historyRecovered: () => deps.current.historyRecovered(),
      send: async (batch, { final }) => {
        await postJson('/api/validation/samples', batch, { keepalive: final });
      },
    });
    sampler.current = instance;
    const onVisibility = () => {
      instance.setVisible(document.visibilityState !== 'hidden');
      if (document.visibilityState === 'hidden') void instance.flush();
    };
    const onPageHide = () => void instance.abandon();
    onVisibility();
    document.addEventListener('visibilitychange', onVisibility);
    window.addEventListener('pagehide', onPageHide);
    return () => {
      document.removeEventListener('visibilitychange', onVisibility);
      window.removeEventListener('pagehide', onPageHide);
      sampler.current = null;
      void instance.stop();
    };
  }, [cohort, feedKey, realtimeStrategy]);
  const [tap] = useState<SamplerTap>(() => ({
    event: (event, lane) => sampler.current?.record(event, lane),
    lane: ({ lane, transport, live, lastAliveAt }) => (live ? sampler.current?.laneLive(transport, lane) : sampler.current?.laneDown(transport, lane, lastAliveAt)),
  }));
  return tap;
}
