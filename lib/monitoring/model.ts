import type { Stream } from '@/contracts/streams';
import type { TransportKind } from '@/contracts/transports';

export { STREAMS, type Stream } from '@/contracts/streams';
export type { Envelope } from '@/contracts/envelope';
export type { TransportKind } from '@/contracts/transports';

/** Which path delivered an event first: a live transport or the history (gap-fill) API. */
export type ProvenanceSource = TransportKind | 'history';

export interface Provenance {
  transport: ProvenanceSource;
  /** Client clock (ms since epoch) when the frame or page was parsed. */
  receivedAt: number;
  /**
   * The transport re-sent this event from its own buffer after a (re)join — the legacy
   * feed's resume replay — rather than delivering it live. Recovered, never evidence of
   * live delivery.
   */
  replayed?: boolean;
}

/** The durable identity every row gets at ingest, shared by both feeds and the history API. */
interface EventIdentity {
  /** Per-stream bigint sequence (safe integer). */
  id: number;
  eventId: string;
  /** Server emit time, ms since epoch. */
  emittedAt: number;
  provenance: Provenance;
}

export interface CacheMetricEvent extends EventIdentity {
  stream: 'cache_metrics';
  source: string;
  cacheName: string;
  windowSeconds: number;
  hits: number;
  misses: number;
  hitRatio: number;
  evictions: number;
  keys: number;
  memoryBytes: number;
  opsPerSec: number;
  p50LatencyMs: number;
  p99LatencyMs: number;
}

export type SystemEventLevel = 'debug' | 'info' | 'warn' | 'error' | 'critical';
export const SYSTEM_EVENT_LEVELS: readonly SystemEventLevel[] = ['debug', 'info', 'warn', 'error', 'critical'];

export interface SystemEvent extends EventIdentity {
  stream: 'system_events';
  source: string;
  level: SystemEventLevel;
  kind: string;
  cacheName: string | null;
  message: string;
  attributes: Record<string, unknown>;
}

/** One row of either stream, as every part of the app above the transports sees it. */
export type MonitoringEvent = CacheMetricEvent | SystemEvent;

export type EventsByStream = { cache_metrics: readonly CacheMetricEvent[]; system_events: readonly SystemEvent[] };
