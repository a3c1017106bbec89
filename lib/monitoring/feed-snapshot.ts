import type { ConnectionState } from '@/lib/monitoring/connection-status';
import type { FallbackRecord } from '@/lib/monitoring/fallback-policy';
import type { EventsByStream, ProvenanceSource, TransportKind } from '@/lib/monitoring/model';
import type { TransportFailure } from '@/lib/monitoring/transport-failure';
import type { RunnerPhase } from '@/lib/monitoring/transport-runner';

export interface FallbackState {
  active: boolean;
  /** The fallback transport and its lane's phase (null: this feed has no fallback). */
  lane: { transport: TransportKind; phase: RunnerPhase } | null;
  since: number | null;
  reason: string | null;
  /** Every engage and return, oldest first (bounded). */
  log: readonly FallbackRecord[];
}

export interface GapFillState {
  /** Completed history fills (after reconnects and detected gaps). */
  total: number;
  inFlight: number;
  failed: number;
  /** Events that only the history API supplied. */
  recovered: number;
  lastAt: number | null;
}

/** Everything the dashboard renders about the feed: plain values, never sockets. */
export interface FeedSnapshot {
  status: ConnectionState;
  /** The transport the rendered events come from now (null before the first connect). */
  transport: TransportKind | null;
  primary: TransportKind;
  /** Delivered events counted by the path that brought them first. */
  provenance: Record<ProvenanceSource, number>;
  events: EventsByStream;
  /** Client time of the newest delivered event. */
  lastEventAt: number | null;
  reconnects: number;
  fallback: FallbackState;
  gapFills: GapFillState;
  paused: boolean;
  /** Frames dropped at the edge because they failed validation. */
  invalidFrames: number;
  /** Session failures per transport (for the validation error rate). */
  errors: Record<TransportKind, number>;
  lastFailure: TransportFailure | null;
  shadow: { transport: TransportKind; phase: RunnerPhase; events: number } | null;
}

export interface StatusInputs {
  started: boolean;
  online: boolean;
  primary: RunnerPhase;
  fallback: RunnerPhase | null;
  fallbackActive: boolean;
  everLive: boolean;
  fillsInFlight: number;
}

export function deriveStatus(input: StatusInputs): ConnectionState {
  if (!input.started) return 'idle';
  if (!input.online) return 'offline';
  if (input.fallbackActive && input.fallback === 'live' && input.primary !== 'live') return 'fallback';
  if (input.primary === 'live' || (input.fallbackActive && input.fallback === 'live')) return input.fillsInFlight > 0 ? 'catching-up' : 'live';
  if (input.primary === 'stopped' && (!input.fallbackActive || input.fallback === 'stopped')) return 'error';
  return input.everLive ? 'reconnecting' : 'connecting';
}

const empty = new Map<TransportKind, FeedSnapshot>();

/** The snapshot before a feed exists (stable per primary, as `useSyncExternalStore` needs). */
export function idleSnapshot(primary: TransportKind): FeedSnapshot {
  let snapshot = empty.get(primary);
  if (!snapshot) {
    snapshot = {
      status: 'idle',
      transport: null,
      primary,
      provenance: { legacy: 0, realtime: 0, history: 0 },
      events: { cache_metrics: [], system_events: [] },
      lastEventAt: null,
      reconnects: 0,
      fallback: { active: false, lane: null, since: null, reason: null, log: [] },
      gapFills: { total: 0, inFlight: 0, failed: 0, recovered: 0, lastAt: null },
      paused: false,
      invalidFrames: 0,
      errors: { legacy: 0, realtime: 0 },
      lastFailure: null,
      shadow: null,
    };
    empty.set(primary, snapshot);
  }
  return snapshot;
}
