'use client';

import { useEffect, useMemo, useRef, useState } from 'react';
import { CachePanel } from '@/app/(dashboard)/_components/cache-panel';
import { ConnectionIndicator, FeedBanners } from '@/app/(dashboard)/_components/connection-indicator';
import { DataHeld } from '@/app/(dashboard)/_components/data-held';
import { EventsTable } from '@/app/(dashboard)/_components/events-table';
import { Button, Card } from '@/components/ui';
import { useNow } from '@/components/use-now';
import { useThrottled } from '@/components/use-throttled';
import { isStale, mergeSeries } from '@/lib/dashboard/merge-series';
import { SERIES_RANGE_NAMES, SERIES_RANGES, seriesWindow, type SeriesRange } from '@/lib/dashboard/series-ranges';
import type { PublicConfig } from '@/lib/env';
import { feedPlan } from '@/lib/rollout/feed-plan';
import type { TransportKind } from '@/lib/monitoring/model';
import { useMonitoringFeed } from '@/lib/monitoring/hooks/use-monitoring-feed';
import type { MyCohort } from '@/lib/rollout/server/my-cohort';
import { useCacheSeries } from '@/lib/swr/use-cache-series';
import { useMyCohort } from '@/lib/swr/use-my-cohort';
import { useSampler } from '@/lib/validation/hooks/use-sampler';

// 4 publications a second while visible: each one is a frame to style, lay out and paint (the
// counters, the list), ~5 ms on this machine; at 10/s that alone was most of the main thread.
const FEED_LIMITS = { perStream: 20_000, visibleIntervalMs: 250 };
/**
 * The charts take the live rows at most once a second: their finest step is a second (5 min
 * range) and each cache reports once a second, so redrawing at the feed's ~10 publications
 * per second showed nothing new — it re-stepped 20,000 rows and redrew every chart each time.
 */
const CHART_REFRESH_MS = 1_000;

/** The live dashboard: the cohort's feed plan picks the transports; the feed hook owns the sockets. */
export function Dashboard({ initialCohort, config }: { initialCohort: MyCohort; config: PublicConfig }) {
  const { cohort, clockOffsetMs } = useMyCohort(initialCohort);
  const plan = feedPlan(cohort.cohort, cohort.legacyAvailable, cohort.realtimeStrategy);
  const counters = useRef({ errors: { legacy: 0, realtime: 0 } as Record<TransportKind, number>, recovered: 0 });
  const sampler = useSampler({
    cohort: cohort.cohort,
    feedKey: `${plan.primary}|${plan.shadow}|${plan.fallback}|${plan.realtimeStrategy ?? 'postgres_changes'}`,
    realtimeStrategy: plan.realtimeStrategy ?? 'postgres_changes',
    clockOffsetMs,
    errors: () => counters.current.errors,
    historyRecovered: () => counters.current.recovered,
  });
  const feed = useMonitoringFeed({
    // Enough cache rows for the 15-minute charts at the default rate (≈ 21 rows/s).
    limits: FEED_LIMITS,
    plan,
    config,
    onPrimaryEvent: sampler.event,
    onShadowEvent: (event) => sampler.event(event, 'shadow'),
    onLaneChange: sampler.lane,
  });
  useEffect(() => {
    counters.current = { errors: feed.errors, recovered: feed.gapFills.recovered };
  }, [feed.errors, feed.gapFills.recovered]);
  const [range, setRange] = useState<SeriesRange>('15m');
  // The range's history at once from the series API, continued by the live rows.
  const stored = useCacheSeries(range);
  // Server time: rows carry the server's emit time, and this browser's clock may be off.
  const now = useNow(5_000) - clockOffsetMs();
  const chartWindow = useMemo(() => ({ from: seriesWindow(range, now).from, to: now }), [range, now]);
  const liveMetrics = useThrottled(feed.events.cache_metrics, CHART_REFRESH_MS);
  const series = useMemo(() => mergeSeries(stored.data, liveMetrics, range, now), [stored.data, liveMetrics, range, now]);

  return (
    <div className="space-y-4">
      <div className="space-y-1 rounded-xl border border-slate-200 bg-white px-4 py-3 dark:border-slate-800 dark:bg-slate-900">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <ConnectionIndicator feed={feed} cohort={cohort.cohort} realtimeStrategy={plan.realtimeStrategy ?? 'postgres_changes'} />
          <div className="flex flex-wrap items-center gap-2">
            <RangePicker range={range} onChange={setRange} />
            <Button onClick={feed.paused ? feed.resume : feed.pause} aria-pressed={feed.paused}>
              {feed.paused ? 'Resume' : 'Pause'}
            </Button>
          </div>
        </div>
        <DataHeld events={feed.events} />
      </div>
      {cohort.killSwitch ? (
        <div role="status" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
          Kill switch is on: every dashboard uses the legacy feed.
        </div>
      ) : null}
      {cohort.automaticChange ? (
        <div role="status" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200">
          <strong>{cohort.automaticChange.action}</strong> at {new Date(cohort.automaticChange.at).toLocaleTimeString()} — {cohort.automaticChange.reason}
        </div>
      ) : null}
      {!cohort.legacyAvailable ? <div className="rounded-md border border-slate-300 bg-slate-100 px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-800">The legacy feed is switched off; Supabase Realtime serves everyone.</div> : null}
      {feed.paused ? <div className="rounded-md border border-slate-300 bg-slate-100 px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-800">Paused. New events keep arriving in the background; resume to catch up in order.</div> : null}
      <FeedBanners feed={feed} />
      {feed.runtimeError ? (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300">
          Live data is not available yet: {feed.runtimeError.message.replace(/^monitoring: /, '')}. Reload the page if this persists.
        </p>
      ) : null}
      {feed.snapshotError ? <p className="text-sm text-amber-700">The initial history could not be loaded ({feed.snapshotError.message}); live data fills in as it arrives.</p> : null}
      {stored.error ? <p className="text-sm text-amber-700">The stored series could not be loaded ({stored.error instanceof Error ? stored.error.message : String(stored.error)}); showing live data only.</p> : null}
      {series.length === 0 ? (
        <Card>
          <p className="py-10 text-center text-sm text-slate-500">{stored.isLoading ? 'Loading the range…' : feed.status === 'live' ? 'No cache metrics in this range yet; waiting for the first…' : 'Connecting to the feed…'}</p>
        </Card>
      ) : (
        series.map((s) => <CachePanel key={s.cacheName} series={s} window={chartWindow} stale={isStale(s.latest, now)} now={now} />)
      )}
      <EventsTable events={feed.events.system_events} />
    </div>
  );
}

/** The time range buttons (one pressed). */
function RangePicker({ range, onChange }: { range: SeriesRange; onChange: (range: SeriesRange) => void }) {
  return (
    <div className="flex overflow-hidden rounded-md border border-slate-300 dark:border-slate-700" role="group" aria-label="Time range">
      {SERIES_RANGE_NAMES.map((name) => (
        <button
          key={name}
          type="button"
          aria-pressed={name === range}
          onClick={() => onChange(name)}
          className={`px-2 py-1 text-xs whitespace-nowrap ${name === range ? 'bg-slate-900 text-white dark:bg-white dark:text-slate-900' : 'hover:bg-slate-100 dark:hover:bg-slate-800'}`}
        >
          {SERIES_RANGES[name].label}
        </button>
      ))}
    </div>
  );
}
