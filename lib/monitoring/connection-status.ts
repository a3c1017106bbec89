import { assertNever } from '@/lib/assert-never';

/**
 * What the dashboard's connection indicator shows. Closed: every consumer maps it with an
 * exhaustive switch, so adding a state is a type error until every view handles it.
 */
export type ConnectionState =
  /** Not started (no snapshot yet, or stopped). */
  | 'idle'
  | 'connecting'
  /** Subscribed and confirmed; events flow. */
  | 'live'
  /** Live, while a gap fill from the history API is in flight. */
  | 'catching-up'
  /** Lost the transport; retrying with backoff. */
  | 'reconnecting'
  /** The primary transport failed; serving from the other one while probing the primary. */
  | 'fallback'
  /** The browser reports no network. */
  | 'offline'
  /** A failure retrying cannot fix (e.g. unauthorized). */
  | 'error';

export type StatusTone = 'neutral' | 'good' | 'busy' | 'warning' | 'critical';

export function statusLabel(state: ConnectionState): string {
  switch (state) {
    case 'idle':
      return 'Not connected';
    case 'connecting':
      return 'Connecting…';
    case 'live':
      return 'Live';
    case 'catching-up':
      return 'Catching up';
    case 'reconnecting':
      return 'Reconnecting…';
    case 'fallback':
      return 'Fallback feed';
    case 'offline':
      return 'Offline';
    case 'error':
      return 'Connection failed';
    default:
      return assertNever(state, 'connection state');
  }
}

export function statusTone(state: ConnectionState): StatusTone {
  switch (state) {
    case 'idle':
      return 'neutral';
    case 'live':
      return 'good';
    case 'connecting':
    case 'catching-up':
      return 'busy';
    case 'reconnecting':
    case 'fallback':
    case 'offline':
      return 'warning';
    case 'error':
      return 'critical';
    default:
      return assertNever(state, 'connection state');
  }
}
