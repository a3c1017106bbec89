import { createEventWindow, type EventWindow } from '@/lib/monitoring/event-window';
import { DEFAULT_FALLBACK_POLICY, type FallbackPolicy } from '@/lib/monitoring/fallback-policy';
import { createFallbackSwitch } from '@/lib/monitoring/fallback-switch';
import { DEFAULT_FEED_LIMITS, type FeedLimits } from '@/lib/monitoring/feed-limits';
import { deriveStatus, type FeedSnapshot, type GapFillState } from '@/lib/monitoring/feed-snapshot';
import { createGapFiller } from '@/lib/monitoring/gap-filler';
import type { HistoryClient } from '@/lib/monitoring/history-client';
import { STREAMS, type MonitoringEvent, type ProvenanceSource, type Stream, type TransportKind } from '@/lib/monitoring/model';
import { createOrderedStream, type OrderedStream } from '@/lib/monitoring/ordered-stream';
import { createPublishThrottle } from '@/lib/monitoring/publish-throttle';
import { DEFAULT_RETRY_POLICY, decideRetry, type RetryPolicy } from '@/lib/monitoring/retry-policy';
import type { Transport } from '@/lib/monitoring/transport';
import { failure, type TransportFailure } from '@/lib/monitoring/transport-failure';
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
  onPrimaryEvent?(event: MonitoringEvent): void;
}

/** The feed controller: transports, ordering, gap fill and fallback behind one observable snapshot. */
export interface MonitoringFeed {
  start(): void;
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
  const windows = { cache_metrics: createEventWindow(limits.perStream), system_events: createEventWindow(limits.perStream) } as Record<Stream, EventWindow<MonitoringEvent>>;
  const dirty = new Set<Stream>(STREAMS);
  const provenance: Record<ProvenanceSource, number> = { legacy: 0, realtime: 0, history: 0 };
  const errors: Record<TransportKind, number> = { legacy: 0, realtime: 0 };
  const gapFills: GapFillState = { total: 0, inFlight: 0, failed: 0, recovered: 0, lastAt: null };
  const seeding = new Set<Stream>();
  let started = false;
  let online = true;
  let paused = false;
  let everLive = false;
  let reconnects = 0;
  let invalidFrames = 0;
  let shadowEvents = 0;
  let lastEventAt: number | null = null;
  let lastFailure: TransportFailure | null = null;
  let seedingNow = false;
  let snapshot: FeedSnapshot;

  const throttle = createPublishThrottle(publish, limits.visibleIntervalMs);
  const changed = () => throttle.request();

  const filler = createGapFiller({
    history: options.history,
    retry,
    random: options.random,
    onStart: () => {
      gapFills.inFlight += 1;
      changed();
    },
    onDone: ({ ok }) => {
      gapFills.inFlight -= 1;
      if (ok) gapFills.total += 1;
      else gapFills.failed += 1;
      gapFills.lastAt = Date.now();
      changed();
    },
  });

  const streams = Object.fromEntries(
    STREAMS.map((stream) => {
      const ordered: OrderedStream<MonitoringEvent> = createOrderedStream<MonitoringEvent>({
        windowMs: limits.reorderWindowMs,
        maxBuffer: limits.maxHeld,
        dedupeSize: limits.dedupeSize,
        onDeliver: (events) => deliver(stream, events),
        onFillRequest: (request) => filler.fill(stream, ordered, request),
      });
      return [stream, ordered];
    }),
  ) as Record<Stream, OrderedStream<MonitoringEvent>>;

  function deliver(stream: Stream, events: MonitoringEvent[]) {
    let added = 0;
    for (const event of events) {
      if (!windows[stream].insert(event)) continue;
      added += 1;
      provenance[event.provenance.transport] += 1;
      if (event.provenance.transport === 'history' && !seedingNow) gapFills.recovered += 1;
    }
    if (added === 0) return;
    lastEventAt = Date.now();
    dirty.add(stream);
    changed();
  }

  function seed(stream: Stream, events: MonitoringEvent[]) {
    seedingNow = true;
    try {
      streams[stream].seed(events);
    } finally {
      seedingNow = false;
    }
  }

  /** First live of a stream without a snapshot: the newest rows become its baseline. */
  function fetchSnapshot(stream: Stream, attempt = 1) {
    if (seeding.has(stream) && attempt === 1) return;
    seeding.add(stream);
    options.history.latest(stream, limits.perStream).then(
      (events) => {
        seeding.delete(stream);
        if (started) seed(stream, events);
      },
      (error: unknown) => {
        const decision = decideRetry(retry, failure('server_error', error instanceof Error ? error.message : String(error)), attempt, options.random);
        if (!decision.retry || !started) return void seeding.delete(stream);
        setTimeout(() => started && fetchSnapshot(stream, attempt + 1), decision.delayMs);
      },
    );
  }

  /** Any session reaching live: fill from the last delivered id (events of the subscribe window included). */
  function catchUp() {
    if (everLive) reconnects += 1;
    everLive = true;
    for (const stream of STREAMS) {
      if (streams[stream].lastDeliveredId() === null) fetchSnapshot(stream);
      else streams[stream].requestFill('reconnect');
    }
    changed();
  }

  const resumeFrom = () => {
    const resume: Partial<Record<Stream, number>> = {};
    for (const stream of STREAMS) {
      const last = streams[stream].lastDeliveredId();
      if (last !== null) resume[stream] = last;
    }
    return resume;
  };

  const servingRunner = (transport: Transport, onLive: () => void, onDown: (failure: TransportFailure, decision: Parameters<typeof fallbackSwitch.primaryFailed>[1]) => void) =>
    createTransportRunner({
      transport,
      retry,
      liveTimeoutMs: limits.liveTimeoutMs,
      random: options.random,
      resumeFrom,
      onEvent(event) {
        options.onPrimaryEvent?.(event);
        streams[event.stream].push(event);
      },
      onInvalid() {
        invalidFrames += 1;
        changed();
      },
      onGap: (stream, afterId, untilId) => streams[stream].requestFill('transport', untilId ?? null),
      onLive() {
        onLive();
        catchUp();
      },
      onFailure(reason, decision) {
        errors[transport.kind] += 1;
        lastFailure = reason;
        onDown(reason, decision);
        changed();
      },
      onPhase: changed,
    });

  const primary: TransportRunner = servingRunner(
    options.primary,
    () => fallbackSwitch.primaryLive(),
    (reason, decision) => fallbackSwitch.primaryFailed(reason, decision),
  );
  const fallback: TransportRunner | null = options.fallback ? servingRunner(options.fallback, () => {}, () => {}) : null;
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
        onLive: changed,
        onFailure(reason) {
          if (options.shadow) errors[options.shadow.kind] += 1;
          changed();
        },
        onPhase: changed,
      })
    : null;

  function build(previous: FeedSnapshot | undefined): FeedSnapshot {
    const fallbackState = fallbackSwitch.state();
    const fallbackPhase = fallback?.phase() ?? null;
    const serving = fallbackState.active && fallbackPhase === 'live' && primary.phase() !== 'live' ? options.fallback?.kind : options.primary.kind;
    const eventsFor = <S extends Stream>(stream: S) =>
      (previous && (paused || !dirty.has(stream)) ? previous.events[stream] : windows[stream].toArray()) as FeedSnapshot['events'][S];
    const events = { cache_metrics: eventsFor('cache_metrics'), system_events: eventsFor('system_events') };
    if (!paused) dirty.clear();
    return {
      status: deriveStatus({ started, online, primary: primary.phase(), fallback: fallbackPhase, fallbackActive: fallbackState.active, everLive, fillsInFlight: gapFills.inFlight }),
      transport: started ? (serving ?? null) : null,
      primary: options.primary.kind,
      provenance: { ...provenance },
      events,
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
      if (started) return;
      started = true;
      for (const stream of STREAMS) {
        const rows = options.initial?.[stream];
        if (rows) seed(stream, rows);
      }
      primary.start();
      fallbackSwitch.primaryDown();
      shadow?.start();
      changed();
    },
    stop() {
      if (!started) return;
      started = false;
      primary.stop();
      fallback?.stop();
      shadow?.stop();
      fallbackSwitch.dispose();
      filler.dispose();
      for (const stream of STREAMS) streams[stream].dispose();
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
