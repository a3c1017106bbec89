import type { MonitoringEvent, Stream, TransportKind } from '@/lib/monitoring/model';
import type { TransportFailure } from '@/lib/monitoring/transport-failure';

/** What a session tells the layer above it. Every callback may fire at any time until `onClosed`. */
export interface TransportHandlers {
  /** A parsed event, in arrival order. */
  onEvent(event: MonitoringEvent): void;
  /** Subscribed and confirmed by the server: events from here on will arrive. */
  onLive(): void;
  /** The session is over (never called after `close()`); the layer decides whether to retry. */
  onClosed(failure: TransportFailure): void;
  /** A frame failed validation and was dropped. */
  onInvalid(reason: string): void;
  /** The server says ids after `afterId` (through `untilId`) cannot be replayed: fill them from history. */
  onGap(stream: Stream, afterId: number, untilId: number | null): void;
}

export interface TransportSessionOptions {
  /** Per stream, the highest id the layer already has (a transport that can resume uses it). */
  resumeFrom: Partial<Record<Stream, number>>;
}

export interface TransportSession {
  /** Ends the session without calling `onClosed`. Idempotent. */
  close(): void;
  /**
   * The tab is visible again after its timers were throttled: a session that has shown no sign
   * of life for too long ends now (`onClosed`) instead of at its next, late heartbeat.
   */
  checkAlive?(): void;
}

/**
 * One way of receiving both monitoring streams. A `connect` is one session: it reaches
 * live once, then ends with `onClosed`; reconnecting is the caller's decision (policy as
 * data). Sockets and clients are injected into the implementations.
 */
export interface Transport {
  readonly kind: TransportKind;
  connect(handlers: TransportHandlers, options: TransportSessionOptions): TransportSession;
}
