import type { FeedLimits } from '@/lib/monitoring/feed-limits';
import type { GapFillState } from '@/lib/monitoring/feed-snapshot';
import { createFeedStreams, type FeedStreams } from '@/lib/monitoring/feed-streams';
import type { HistoryClient } from '@/lib/monitoring/history-client';
import type { LaneHost, LaneLiveChange, ServingRole } from '@/lib/monitoring/lane-runner';
import type { MonitoringEvent, TransportKind } from '@/lib/monitoring/model';
import type { RenderedEvents } from '@/lib/monitoring/rendered-events';
import type { RetryPolicy } from '@/lib/monitoring/retry-policy';
import type { TransportFailure } from '@/lib/monitoring/transport-failure';

/** What the feed counts and flags for its snapshot: one record, updated in place by the callbacks below. */
export interface FeedCounters {
  online: boolean;
  paused: boolean;
  /** A serving session reached live before (the next live is a reconnect). */
  everLive: boolean;
  reconnects: number;
  invalidFrames: number;
  shadowEvents: number;
  /** Client time of the newest delivered event. */
  lastEventAt: number | null;
  lastFailure: TransportFailure | null;
  errors: Record<TransportKind, number>;
  gapFills: GapFillState;
}

export function createFeedCounters(): FeedCounters {
  return {
    online: true,
    paused: false,
    everLive: false,
    reconnects: 0,
    invalidFrames: 0,
    shadowEvents: 0,
    lastEventAt: null,
    lastFailure: null,
    errors: { legacy: 0, realtime: 0 },
    gapFills: { total: 0, inFlight: 0, failed: 0, recovered: 0, lastAt: null },
  };
}

export interface CountingOptions {
  counters: FeedCounters;
  rendered: RenderedEvents;
  /** Something the snapshot shows changed (a throttled publish). */
  changed(): void;
}

/** The ordered streams, delivering into the rendered events and counting history fills. */
export function countingStreams(
  { counters, rendered, changed }: CountingOptions,
  feed: { history: HistoryClient; limits: FeedLimits; retry: RetryPolicy; random?: () => number },
): FeedStreams {
  const { gapFills } = counters;
  return createFeedStreams({
    ...feed,
    onDeliver(stream, events, fromSnapshot) {
      const added = rendered.add(stream, events);
      if (added.length === 0) return;
      if (!fromSnapshot) gapFills.recovered += added.filter((event) => event.provenance.transport === 'history').length;
      counters.lastEventAt = Date.now();
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
}

export interface LaneObservers {
  onPrimaryEvent?(event: MonitoringEvent, lane: ServingRole): void;
  onShadowEvent?(event: MonitoringEvent): void;
  onLaneChange?(change: LaneLiveChange): void;
}

/** What every lane runner may call: the streams for serving lanes, the counters, the feed's observers. */
export function countingLaneHost({ counters, changed }: CountingOptions, streams: FeedStreams, observers: LaneObservers): LaneHost {
  return {
    serve(event, lane) {
      observers.onPrimaryEvent?.(event, lane);
      streams.push(event);
    },
    compare(event) {
      counters.shadowEvents += 1;
      observers.onShadowEvent?.(event);
    },
    resumeFrom: streams.resumeFrom,
    fill: (stream, untilId) => streams.requestFill(stream, 'transport', untilId),
    catchUp() {
      // Any serving session reaching live fills from the last delivered id (the subscribe window included).
      if (counters.everLive) counters.reconnects += 1;
      counters.everLive = true;
      streams.catchUp();
      changed();
    },
    failed(kind, reason, role) {
      counters.errors[kind] += 1;
      if (role !== 'shadow') counters.lastFailure = reason;
    },
    invalid() {
      counters.invalidFrames += 1;
    },
    laneChanged: (change) => observers.onLaneChange?.(change),
    changed,
  };
}
