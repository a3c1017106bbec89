'use client';

import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { RealtimeStrategy } from '@/contracts/transports';
import type { PublicConfig } from '@/lib/env';
import type { FallbackPolicy } from '@/lib/monitoring/fallback-policy';
import { carryOver } from '@/lib/monitoring/carry-over';
import { DEFAULT_FEED_LIMITS, type FeedLimits } from '@/lib/monitoring/feed-limits';
import { idleSnapshot, type FeedSnapshot } from '@/lib/monitoring/feed-snapshot';
import type { FeedPlan } from '@/lib/rollout/feed-plan';
import { createHistoryClient } from '@/lib/monitoring/history-client';
import type { MonitoringEvent, TransportKind } from '@/lib/monitoring/model';
import { createMonitoringFeed, type LaneChange, type MonitoringFeed } from '@/lib/monitoring/monitoring-feed';
import type { Transport } from '@/lib/monitoring/transport';
import { createBrowserTransports } from '@/lib/monitoring/transports/browser-transports';
import { useLatestEvents } from '@/lib/monitoring/hooks/use-latest-events';

export interface UseMonitoringFeedOptions {
  /** Which transport renders, which is compared (via `onShadowEvent`), which serves while the primary is down. */
  plan: FeedPlan;
  /** Null until the public config is known; nothing connects before. */
  config: PublicConfig | null;
  historyUrl?: string;
  limits?: Partial<FeedLimits>;
  fallbackPolicy?: FallbackPolicy;
  onShadowEvent?(event: MonitoringEvent): void;
  onPrimaryEvent?(event: MonitoringEvent, lane: 'primary' | 'fallback'): void;
  onLaneChange?(change: LaneChange): void;
  /** Injected for tests and other hosts; the browser's transports by default. */
  createTransports?(config: PublicConfig, realtimeStrategy: RealtimeStrategy): Record<TransportKind, Transport>;
}

/** What the dashboard renders: values only (never sockets), plus the pause controls. */
export interface MonitoringFeedView extends FeedSnapshot {
  pause(): void;
  resume(): void;
  /** The initial snapshot could not be loaded (the live feed still runs and fills it). */
  snapshotError: Error | null;
}

const noSubscription = () => () => {};

/**
 * Owns the feed's lifecycle for one mounted dashboard: loads the initial snapshot through
 * SWR, then starts the feed (transports, ordering, gap fill, fallback) and stops it on
 * unmount or when the transport choice (or the Realtime strategy) changes. Hidden tabs publish ≤ 4 updates/s.
 */
export function useMonitoringFeed(options: UseMonitoringFeedOptions): MonitoringFeedView {
  const { config } = options;
  const { primary, shadow, fallback } = options.plan;
  const realtimeStrategy = options.plan.realtimeStrategy ?? 'postgres_changes';
  const limit = options.limits?.perStream ?? DEFAULT_FEED_LIMITS.perStream;
  const metrics = useLatestEvents('cache_metrics', { limit, ready: config !== null, historyUrl: options.historyUrl });
  const systemEvents = useLatestEvents('system_events', { limit, ready: config !== null, historyUrl: options.historyUrl });
  const snapshotSettled = (metrics.events !== undefined || metrics.error !== undefined) && (systemEvents.events !== undefined || systemEvents.error !== undefined);

  // Read through a ref so a new callback or snapshot identity never restarts the sockets.
  const latest = useRef({ options, metrics: metrics.events, systemEvents: systemEvents.events });
  useEffect(() => {
    latest.current = { options, metrics: metrics.events, systemEvents: systemEvents.events };
  });

  const [feed, setFeed] = useState<MonitoringFeed | null>(null);
  // The last feed started, kept past its stop: its rows seed the next one (carryOver).
  const previousFeed = useRef<MonitoringFeed | null>(null);
  const configKey = config ? `${config.supabaseUrl}|${config.supabaseAnonKey}|${config.legacyWsUrl}` : null;

  useEffect(() => {
    if (!configKey || !snapshotSettled) return;
    const current = latest.current;
    const publicConfig = current.options.config;
    if (!publicConfig) return;
    const transports = (current.options.createTransports ?? createBrowserTransports)(publicConfig, realtimeStrategy);
    const instance = createMonitoringFeed({
      primary: transports[primary],
      fallback: fallback ? transports[fallback] : null,
      shadow: shadow ? transports[shadow] : null,
      history: createHistoryClient({ fetch: (url, init) => fetch(url, init), baseUrl: current.options.historyUrl }),
      initial: carryOver(previousFeed.current?.getSnapshot().events, {
        ...(current.metrics ? { cache_metrics: current.metrics } : {}),
        ...(current.systemEvents ? { system_events: current.systemEvents } : {}),
      }),
      limits: current.options.limits,
      fallbackPolicy: current.options.fallbackPolicy,
      onShadowEvent: (event) => latest.current.options.onShadowEvent?.(event),
      onPrimaryEvent: (event, lane) => latest.current.options.onPrimaryEvent?.(event, lane),
      onLaneChange: (change) => latest.current.options.onLaneChange?.(change),
    });
    const onVisibility = () => instance.setVisible(document.visibilityState !== 'hidden');
    const onOnline = () => instance.setOnline(navigator.onLine);
    onVisibility();
    onOnline();
    document.addEventListener('visibilitychange', onVisibility);
    window.addEventListener('online', onOnline);
    window.addEventListener('offline', onOnline);
    instance.start();
    previousFeed.current = instance;
    setFeed(instance);
    return () => {
      document.removeEventListener('visibilitychange', onVisibility);
      window.removeEventListener('online', onOnline);
      window.removeEventListener('offline', onOnline);
      instance.stop();
      setFeed((currentFeed) => (currentFeed === instance ? null : currentFeed));
    };
  }, [configKey, snapshotSettled, primary, shadow, fallback, realtimeStrategy]);

  const snapshot = useSyncExternalStore(
    feed ? feed.subscribe : noSubscription,
    feed ? feed.getSnapshot : () => idleSnapshot(primary),
    () => idleSnapshot(primary),
  );
  const pause = useCallback(() => feed?.pause(), [feed]);
  const resume = useCallback(() => feed?.resume(), [feed]);
  return { ...snapshot, pause, resume, snapshotError: metrics.error ?? systemEvents.error ?? null };
}
