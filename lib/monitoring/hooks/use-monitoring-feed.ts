'use client';

import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { RealtimeStrategy } from '@/contracts/transports';
import type { PublicConfig } from '@/lib/env';
import type { FallbackPolicy } from '@/lib/monitoring/fallback-policy';
import { DEFAULT_FEED_LIMITS, type FeedLimits } from '@/lib/monitoring/feed-limits';
import { idleSnapshot, type FeedSnapshot } from '@/lib/monitoring/feed-snapshot';
import type { FeedPlan } from '@/lib/rollout/feed-plan';
import { backoffDelay } from '@/lib/retry/backoff';
import type { MonitoringEvent, TransportKind } from '@/lib/monitoring/model';
import type { FeedRuntime } from '@/lib/monitoring/hooks/feed-runtime';
import { loadFeedRuntime } from '@/lib/monitoring/hooks/load-feed-runtime';
import type { LaneChange, MonitoringFeed } from '@/lib/monitoring/monitoring-feed';
import type { Transport } from '@/lib/monitoring/transport';
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
  /** The feed's own code could not be loaded (a deploy replaced the chunk, the network blinked); retried with backoff, nothing is live until it loads. */
  runtimeError: Error | null;
}

const noSubscription = () => () => {};
/** Retries of a failed load of the feed's code (a deploy replaced the chunk, the network blinked); jittered, so the tabs of one deploy do not return together. */
const RUNTIME_BACKOFF = { baseMs: 1_000, capMs: 30_000, minMs: 250 };

type Parsed = { events: MonitoringEvent[]; error?: undefined } | { events?: undefined; error: Error };

/** The feed runtime, loaded when the dashboard mounts and retried with backoff until it is. */
function useFeedRuntime(): { runtime: FeedRuntime | null; error: Error | null } {
  const [state, setState] = useState<{ runtime: FeedRuntime | null; error: Error | null }>({ runtime: null, error: null });
  useEffect(() => {
    let mounted = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const attempt = (failures: number) => {
      loadFeedRuntime().then(
        (runtime) => {
          if (mounted) setState({ runtime, error: null });
        },
        (error: unknown) => {
          if (!mounted) return;
          setState({ runtime: null, error: new Error(`monitoring: the live feed could not be loaded (${error instanceof Error ? error.message : String(error)}); retrying`) });
          timer = setTimeout(() => attempt(failures + 1), backoffDelay(RUNTIME_BACKOFF, failures + 1));
        },
      );
    };
    attempt(0);
    return () => {
      mounted = false;
      clearTimeout(timer);
    };
  }, []);
  return state;
}

/** A history page parsed by the runtime; a malformed one is the snapshot's error, never a render crash. */
function parseSnapshot(runtime: FeedRuntime | null, body: unknown): Parsed | undefined {
  if (!runtime || body === undefined) return undefined;
  try {
    return { events: runtime.parseHistoryPage(body) };
  } catch (error) {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }
}

/**
 * Owns the feed's lifecycle for one mounted dashboard: loads the feed's code (off the page's
 * first load) and the initial snapshot through SWR side by side, then starts the feed
 * (transports, ordering, gap fill, fallback) and stops it on unmount or when the transport
 * choice (or the Realtime strategy) changes. Hidden tabs publish ≤ 4 updates/s.
 */
export function useMonitoringFeed(options: UseMonitoringFeedOptions): MonitoringFeedView {
  const { config } = options;
  const { primary, shadow, fallback } = options.plan;
  const realtimeStrategy = options.plan.realtimeStrategy ?? 'postgres_changes';
  const limit = options.limits?.perStream ?? DEFAULT_FEED_LIMITS.perStream;
  const { runtime, error: runtimeError } = useFeedRuntime();
  const metricsPage = useLatestEvents('cache_metrics', { limit, ready: config !== null, historyUrl: options.historyUrl });
  const systemEventsPage = useLatestEvents('system_events', { limit, ready: config !== null, historyUrl: options.historyUrl });
  const metricsParsed = useMemo(() => parseSnapshot(runtime, metricsPage.body), [runtime, metricsPage.body]);
  const systemEventsParsed = useMemo(() => parseSnapshot(runtime, systemEventsPage.body), [runtime, systemEventsPage.body]);
  const metrics = { events: metricsParsed?.events, error: metricsPage.error ?? metricsParsed?.error };
  const systemEvents = { events: systemEventsParsed?.events, error: systemEventsPage.error ?? systemEventsParsed?.error };
  const snapshotSettled =
    runtime !== null && (metrics.events !== undefined || metrics.error !== undefined) && (systemEvents.events !== undefined || systemEvents.error !== undefined);

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
    if (!publicConfig || !runtime) return;
    const transports = (current.options.createTransports ?? runtime.createBrowserTransports)(publicConfig, realtimeStrategy);
    const instance = runtime.createMonitoringFeed({
      primary: transports[primary],
      fallback: fallback ? transports[fallback] : null,
      shadow: shadow ? transports[shadow] : null,
      history: runtime.createHistoryClient({ fetch: (url, init) => fetch(url, init), baseUrl: current.options.historyUrl }),
      initial: runtime.carryOver(previousFeed.current?.getSnapshot().events, {
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
  }, [runtime, configKey, snapshotSettled, primary, shadow, fallback, realtimeStrategy]);

  const snapshot = useSyncExternalStore(
    feed ? feed.subscribe : noSubscription,
    feed ? feed.getSnapshot : () => idleSnapshot(primary),
    () => idleSnapshot(primary),
  );
  const pause = useCallback(() => feed?.pause(), [feed]);
  const resume = useCallback(() => feed?.resume(), [feed]);
  return { ...snapshot, pause, resume, snapshotError: metrics.error ?? systemEvents.error ?? null, runtimeError };
}
