import { countingLaneHost, countingStreams, createFeedCounters, type FeedCounters } from '@/lib/monitoring/feed-counters';
import { DEFAULT_FALLBACK_POLICY, type FallbackPolicy } from '@/lib/monitoring/fallback-policy';
import { DEFAULT_FEED_LIMITS, type FeedLimits } from '@/lib/monitoring/feed-limits';
import { createFeedMachine, fallbackActive, isRunning, type FeedMachine } from '@/lib/monitoring/feed-machine';
import { deriveStatus, type FeedSnapshot } from '@/lib/monitoring/feed-snapshot';
import type { FeedStreams } from '@/lib/monitoring/feed-streams';
import type { HistoryClient } from '@/lib/monitoring/history-client';
import { createLaneRunner, type LaneLiveChange, type LaneRole, type LaneRunner } from '@/lib/monitoring/lane-runner';
import { STREAMS, type MonitoringEvent, type Stream } from '@/lib/monitoring/model';
import { createPublishThrottle, type PublishThrottle } from '@/lib/monitoring/publish-throttle';
import { createRenderedEvents, type RenderedEvents } from '@/lib/monitoring/rendered-events';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '@/lib/monitoring/retry-policy';
import type { Transport } from '@/lib/monitoring/transport';

export interface MonitoringFeedOptions {
  /** Renders the dashboard. */
  primary: Transport;
  /** Served while the primary is down beyond the fallback policy (the legacy feed, while it exists). */
  fallback?: Transport | null;
  /** Runs beside the primary; compared (via `onShadowEvent`), never rendered. */
  shadow?: Transport | null;
  history: HistoryClient;
  /** Snapshot rows per stream (from `latest=true`); streams without one are fetched on first live. */
  initial?: Partial<Record<Stream, MonitoringEvent[]>>;
  limits?: Partial<FeedLimits>;
  retry?: RetryPolicy;
  fallbackPolicy?: FallbackPolicy;
  random?: () => number;
  /** Every shadow-transport event, in arrival order. */
  onShadowEvent?(event: MonitoringEvent): void;
  /** Every event from the serving transport(s), in arrival order, before ordering and dedupe. */
  onPrimaryEvent?(event: MonitoringEvent, lane: 'primary' | 'fallback'): void;
  /**
   * A transport session of one of the feed's lanes went live (confirmed by its server) or
   * ended (failure, fallback released, feed stopped). Validation uses it to know when a
   * lane's deliveries are evidence of live delivery.
   */
  onLaneChange?(change: LaneChange): void;
}

export type LaneChange = LaneLiveChange;

/** The feed controller: transports, ordering, gap fill and fallback behind one observable snapshot. */
export interface MonitoringFeed {
  start(): void;
  /** Closes every session and timer for good (a feed is single-use). */
  stop(): void;
  /** Freezes the rendered events; the buffer keeps filling. */
  pause(): void;
  /** Publishes everything that arrived while paused, in order. */
  resume(): void;
  /** Hidden tabs publish less often (the buffer is unaffected); on return, quiet sessions are checked (mode 1). */
  setVisible(visible: boolean): void;
  setOnline(online: boolean): void;
  /** Stable between publications (fit for `useSyncExternalStore`). */
  getSnapshot(): FeedSnapshot;
  subscribe(listener: () => void): () => void;
}

/** Everything the snapshot is read from. */
interface FeedParts {
  options: MonitoringFeedOptions;
  counters: FeedCounters;
  rendered: RenderedEvents;
  machine: FeedMachine;
  lanes: { primary: LaneRunner; fallback: LaneRunner | null; shadow: LaneRunner | null };
}

/**
 * Wires the feed: the state machine (feed-machine.ts) decides which lane serves; up to
 * three lanes of one runner (lane-runner.ts) feed the ordered streams or the comparison.
 */
export function createMonitoringFeed(options: MonitoringFeedOptions): MonitoringFeed {
  const limits = { ...DEFAULT_FEED_LIMITS, ...options.limits };
  const retry = options.retry ?? DEFAULT_RETRY_POLICY;
  const listeners = new Set<() => void>();
  // `publish` (below) reads the parts built here; the throttle first calls it a tick after a change.
  const throttle = createPublishThrottle(publish, limits.visibleIntervalMs);
  const counting = { counters: createFeedCounters(), rendered: createRenderedEvents(limits.perStream), changed: throttle.request };
  const streams = countingStreams(counting, { history: options.history, limits, retry, random: options.random });
  const lane = { host: countingLaneHost(counting, streams, options), retry, liveTimeoutMs: limits.liveTimeoutMs, random: options.random };

  const fallback = options.fallback ? createLaneRunner({ ...lane, role: 'fallback', transport: options.fallback }) : null;
  const machine = createFeedMachine({
    policy: options.fallbackPolicy ?? DEFAULT_FALLBACK_POLICY,
    primary: options.primary.kind,
    fallback: fallback?.kind ?? null,
    onEffect(effect) {
      if (effect.type === 'engage') fallback?.start();
      else fallback?.stop();
      counting.changed();
    },
  });
  const primary = createLaneRunner({
    ...lane,
    role: 'primary',
    transport: options.primary,
    primary: { live: () => machine.send({ type: 'primary-live' }), failed: (failure, decision) => machine.send({ type: 'primary-failed', failure, decision }) },
  });
  const shadow = options.shadow ? createLaneRunner({ ...lane, role: 'shadow', transport: options.shadow }) : null;
  const parts: FeedParts = { ...counting, options, machine, lanes: { primary, fallback, shadow } };
  const { counters, changed } = counting;
  let snapshot = buildSnapshot(parts, undefined);

  function publish() {
    snapshot = buildSnapshot(parts, snapshot);
    for (const listener of listeners) listener();
  }

  return {
    start: () => startFeed(parts, streams, changed),
    stop() {
      if (!isRunning(machine.state())) return;
      stopFeed(parts, streams, throttle);
      publish();
    },
    pause: () => setPaused(counters, true, changed, throttle),
    resume: () => setPaused(counters, false, changed, throttle),
    setVisible(visible) {
      throttle.setInterval(visible ? limits.visibleIntervalMs : limits.hiddenIntervalMs);
      // Back from hidden (throttled timers, no heartbeats): a session that went quiet meanwhile is replaced now.
      if (visible) for (const runner of [primary, fallback, shadow]) runner?.checkAlive();
    },
    setOnline(online) {
      if (counters.online === online) return;
      counters.online = online;
      if (online) for (const runner of [primary, fallback, shadow]) runner?.retryNow();
      changed();
    },
    getSnapshot: () => snapshot,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

function startFeed({ options, machine, lanes }: FeedParts, streams: FeedStreams, changed: () => void) {
  const { kind } = machine.state();
  if (kind === 'stopped') throw new Error('monitoring: a stopped feed cannot be restarted; create a new one');
  if (kind !== 'idle') return;
  machine.send({ type: 'start' });
  for (const stream of STREAMS) {
    const rows = options.initial?.[stream];
    if (rows) streams.seed(stream, rows);
  }
  lanes.primary.start();
  lanes.shadow?.start();
  changed();
}

function stopFeed({ machine, lanes }: FeedParts, streams: FeedStreams, throttle: PublishThrottle) {
  machine.send({ type: 'stop' });
  lanes.primary.stop();
  lanes.fallback?.stop();
  lanes.shadow?.stop();
  streams.dispose();
  throttle.dispose();
}

function setPaused(counters: FeedCounters, paused: boolean, changed: () => void, throttle: PublishThrottle) {
  if (counters.paused === paused) return;
  counters.paused = paused;
  changed();
  throttle.flush();
}

function buildSnapshot({ options, counters, rendered, machine, lanes }: FeedParts, previous: FeedSnapshot | undefined): FeedSnapshot {
  const state = machine.state();
  const started = isRunning(state);
  const fallbackPhase = lanes.fallback?.phase() ?? null;
  const primaryPhase = lanes.primary.phase();
  const active = fallbackActive(state);
  const serving = active && fallbackPhase === 'live' && primaryPhase !== 'live' ? lanes.fallback?.kind : lanes.primary.kind;
  return {
    status: deriveStatus({ started, online: counters.online, primary: primaryPhase, fallback: fallbackPhase, fallbackActive: active, everLive: counters.everLive, fillsInFlight: counters.gapFills.inFlight }),
    transport: started ? (serving ?? null) : null,
    primary: options.primary.kind,
    provenance: rendered.provenance(),
    events: rendered.snapshot(previous?.events, counters.paused),
    lastEventAt: counters.lastEventAt,
    reconnects: counters.reconnects,
    fallback: { ...machine.fallback(), lane: lanes.fallback && fallbackPhase ? { transport: lanes.fallback.kind, phase: fallbackPhase } : null },
    gapFills: { ...counters.gapFills },
    paused: counters.paused,
    invalidFrames: counters.invalidFrames,
    errors: { ...counters.errors },
    lastFailure: counters.lastFailure,
    shadow: lanes.shadow ? { transport: lanes.shadow.kind, phase: lanes.shadow.phase(), events: counters.shadowEvents } : null,
  };
}
