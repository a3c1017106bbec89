import { DEFAULT_FALLBACK_POLICY, type FallbackPolicy } from '@/lib/monitoring/fallback-policy';
import { createFallbackSwitch } from '@/lib/monitoring/fallback-switch';
import { DEFAULT_FEED_LIMITS, type FeedLimits } from '@/lib/monitoring/feed-limits';
import { deriveStatus, type FeedSnapshot, type GapFillState } from '@/lib/monitoring/feed-snapshot';
import { createFeedStreams } from '@/lib/monitoring/feed-streams';
import type { HistoryClient } from '@/lib/monitoring/history-client';
import { STREAMS, type MonitoringEvent, type Stream, type TransportKind } from '@/lib/monitoring/model';
import { createPublishThrottle } from '@/lib/monitoring/publish-throttle';
import { createRenderedEvents } from '@/lib/monitoring/rendered-events';
import { DEFAULT_RETRY_POLICY, type RetryDecision, type RetryPolicy } from '@/lib/monitoring/retry-policy';
import type { Transport } from '@/lib/monitoring/transport';
import type { TransportFailure } from '@/lib/monitoring/transport-failure';
import { createTransportRunner, type TransportRunner } from '@/lib/monitoring/transport-runner';

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

/** The feed's lanes: the serving transport, the fallback serving in its place, the compared shadow. */
export type FeedLane = 'primary' | 'fallback' | 'shadow';
export interface LaneChange {
  lane: FeedLane;
  transport: TransportKind;
  live: boolean;
}

/** The feed controller: transports, ordering, gap fill and fallback behind one observable snapshot. */
export interface MonitoringFeed {
  start(): void;
  /** Closes every session and timer for good (a feed is single-use). */
  stop(): void;
  /** Freezes the rendered events; the buffer keeps filling. */
  pause(): void;
  /** Publishes everything that arrived while paused, in order. */
  resume(): void;
  /** Hidden tabs publish less often (the buffer is unaffected). */
  setVisible(visible: boolean): void;
  setOnline(online: boolean): void;
  /** Stable between publications (fit for `useSyncExternalStore`). */
  getSnapshot(): FeedSnapshot;
  subscribe(listener: () => void): () => void;
}

export function createMonitoringFeed(options: MonitoringFeedOptions): MonitoringFeed {
  const limits = { ...DEFAULT_FEED_LIMITS, ...options.limits };
  const retry = options.retry ?? DEFAULT_RETRY_POLICY;
  const listeners = new Set<() => void>();
  const rendered = createRenderedEvents(limits.perStream);
  const errors: Record<TransportKind, number> = { legacy: 0, realtime: 0 };
  const gapFills: GapFillState = { total: 0, inFlight: 0, failed: 0, recovered: 0, lastAt: null };
  let started = false;
  let stopped = false;
  let online = true;
  let paused = false;
  let everLive = false;
  let reconnects = 0;
  let invalidFrames = 0;
  let shadowEvents = 0;
  let lastEventAt: number | null = null;
  let lastFailure: TransportFailure | null = null;
  let snapshot: FeedSnapshot;

  const throttle = createPublishThrottle(publish, limits.visibleIntervalMs);
  const changed = () => throttle.request();

  const streams = createFeedStreams({
    history: options.history,
    limits,
    retry,
    random: options.random,
    onDeliver(stream, events, fromSnapshot) {
      const added = rendered.add(stream, events);
      if (added.length === 0) return;
      if (!fromSnapshot) gapFills.recovered += added.filter((event) => event.provenance.transport === 'history').length;
      lastEventAt = Date.now();
      changed();
    },
    onFillStart() {
      gapFills.inFlight += 1;
      changed();
    },
    onFillDone(ok) {
      gapFills.inFlight -= 1;
      if (ok) gapFills.total += 1;
      else gapFills.failed += 1;
      gapFills.lastAt = Date.now();
      changed();
    },
  });

  /** Any session reaching live: fill from the last delivered id (events of the subscribe window included). */
  function catchUp() {
    if (everLive) reconnects += 1;
    everLive = true;
    streams.catchUp();
    changed();
  }

  /** Tells the observer of lane lifecycles, once per change (a stopped idle runner says nothing). */
  const laneState = new Map<FeedLane, boolean>();
  const laneChanged = (lane: FeedLane, transport: TransportKind, live: boolean) => {
    if ((laneState.get(lane) ?? false) === live) return;
    laneState.set(lane, live);
    options.onLaneChange?.({ lane, transport, live });
  };

  const servingRunner = (lane: 'primary' | 'fallback', transport: Transport, onLive: () => void, onDown: (reason: TransportFailure, decision: RetryDecision) => void) =>
    createTransportRunner({
      transport,
      retry,
      liveTimeoutMs: limits.liveTimeoutMs,
      random: options.random,
      resumeFrom: streams.resumeFrom,
      onEvent(event) {
        options.onPrimaryEvent?.(event, lane);
        streams.push(event);
      },
      onInvalid() {
        invalidFrames += 1;
        changed();
      },
      onGap: (stream, _afterId, untilId) => streams.requestFill(stream, 'transport', untilId),
      onLive() {
        laneChanged(lane, transport.kind, true);
        onLive();
        catchUp();
      },
      onFailure(reason, decision) {
        laneChanged(lane, transport.kind, false);
        errors[transport.kind] += 1;
        lastFailure = reason;
        onDown(reason, decision);
        changed();
      },
      onPhase(phase) {
        if (phase === 'idle') laneChanged(lane, transport.kind, false);
        changed();
      },
    });

  const primary: TransportRunner = servingRunner(
    'primary',
    options.primary,
    () => fallbackSwitch.primaryLive(),
    (reason, decision) => fallbackSwitch.primaryFailed(reason, decision),
  );
  const fallback: TransportRunner | null = options.fallback ? servingRunner('fallback', options.fallback, () => {}, () => {}) : null;
  const fallbackSwitch = createFallbackSwitch({
    policy: options.fallbackPolicy ?? DEFAULT_FALLBACK_POLICY,
    primary: options.primary.kind,
    fallback: options.fallback?.kind ?? null,
    isPrimaryLive: () => primary.phase() === 'live',
    engage: () => fallback?.start(),
    release: () => fallback?.stop(),
    onChange: changed,
  });
  const shadow: TransportRunner | null = options.shadow
    ? createTransportRunner({
        transport: options.shadow,
        retry,
        liveTimeoutMs: limits.liveTimeoutMs,
        random: options.random,
        resumeFrom: () => ({}),
        onEvent(event) {
          shadowEvents += 1;
          options.onShadowEvent?.(event);
        },
        onInvalid: () => {
          invalidFrames += 1;
        },
        onGap: () => {},
        onLive() {
          if (options.shadow) laneChanged('shadow', options.shadow.kind, true);
          changed();
        },
        onFailure() {
          if (options.shadow) {
            laneChanged('shadow', options.shadow.kind, false);
            errors[options.shadow.kind] += 1;
          }
          changed();
        },
        onPhase(phase) {
          if (phase === 'idle' && options.shadow) laneChanged('shadow', options.shadow.kind, false);
          changed();
        },
      })
    : null;

  function build(previous: FeedSnapshot | undefined): FeedSnapshot {
    const fallbackState = fallbackSwitch.state();
    const fallbackPhase = fallback?.phase() ?? null;
    const serving = fallbackState.active && fallbackPhase === 'live' && primary.phase() !== 'live' ? options.fallback?.kind : options.primary.kind;
    return {
      status: deriveStatus({ started, online, primary: primary.phase(), fallback: fallbackPhase, fallbackActive: fallbackState.active, everLive, fillsInFlight: gapFills.inFlight }),
      transport: started ? (serving ?? null) : null,
      primary: options.primary.kind,
      provenance: rendered.provenance(),
      events: rendered.snapshot(previous?.events, paused),
      lastEventAt,
      reconnects,
      fallback: fallbackState,
      gapFills: { ...gapFills },
      paused,
      invalidFrames,
      errors: { ...errors },
      lastFailure,
      shadow: options.shadow && shadow ? { transport: options.shadow.kind, phase: shadow.phase(), events: shadowEvents } : null,
    };
  }

  function publish() {
    snapshot = build(snapshot);
    for (const listener of listeners) listener();
  }

  snapshot = build(undefined);

  return {
    start() {
      if (stopped) throw new Error('monitoring: a stopped feed cannot be restarted; create a new one');
      if (started) return;
      started = true;
      for (const stream of STREAMS) {
        const rows = options.initial?.[stream];
        if (rows) streams.seed(stream, rows);
      }
      primary.start();
      fallbackSwitch.primaryDown();
      shadow?.start();
      changed();
    },
    stop() {
      if (!started) return;
      started = false;
      stopped = true;
      primary.stop();
      fallback?.stop();
      shadow?.stop();
      fallbackSwitch.dispose();
      streams.dispose();
      throttle.dispose();
      publish();
    },
    pause() {
      if (paused) return;
      paused = true;
      changed();
      throttle.flush();
    },
    resume() {
      if (!paused) return;
      paused = false;
      changed();
      throttle.flush();
    },
    setVisible(visible) {
      throttle.setInterval(visible ? limits.visibleIntervalMs : limits.hiddenIntervalMs);
    },
    setOnline(next) {
      if (online === next) return;
      online = next;
      if (online) {
        primary.retryNow();
        fallback?.retryNow();
        shadow?.retryNow();
      }
      changed();
    },
    getSnapshot: () => snapshot,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
