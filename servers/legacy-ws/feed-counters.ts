/** Running totals since the server started; `stats()` reports them. */
export interface FeedCounters {
  /** Envelopes accepted by publish (duplicates excluded). */
  published: number;
  /** Envelopes ignored because their event_id (or id) was already in the ring. */
  duplicates: number;
  /** Event frames written to client sockets (live fan-out and resume replay). */
  sent: number;
  /** Event deliveries dropped on purpose by fault injection. */
  dropped: number;
  /** `gap` frames sent on resume. */
  gaps: number;
  authFailures: number;
  slowConsumerDisconnects: number;
  /** Clients terminated for not answering WebSocket pings. */
  deadClientTerminations: number;
  /** Highest `bufferedAmount` seen on any one client right after a write. */
  peakClientBufferedBytes: number;
}

export function createFeedCounters(): FeedCounters {
  return {
    published: 0,
    duplicates: 0,
    sent: 0,
    dropped: 0,
    gaps: 0,
    authFailures: 0,
    slowConsumerDisconnects: 0,
    deadClientTerminations: 0,
    peakClientBufferedBytes: 0,
  };
}

export interface LegacyLogEntry {
  level: 'info' | 'warn' | 'error';
  message: string;
  details?: Record<string, unknown>;
}
export type LegacyLog = (entry: LegacyLogEntry) => void;
