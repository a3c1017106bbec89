/**
 * Why a transport session ended, named so that policy (retry, fallback, UI copy) can be
 * data keyed by kind rather than string matching on messages.
 */
export type FailureKind =
  /** Credentials rejected: reconnecting with the same token cannot help. */
  | 'unauthorized'
  /** Token expired: reconnect after the session refreshes it. */
  | 'token_expired'
  | 'auth_timeout'
  /** The server says this client broke the protocol: a bug, not a blip. */
  | 'protocol_violation'
  | 'slow_consumer'
  /** The legacy feed is switched off (the rollout finished); only a kill switch brings it back: retry slowly. */
  | 'decommissioned'
  | 'server_going_away'
  | 'server_error'
  /** Socket refused, dropped or closed without a close frame. */
  | 'network'
  | 'heartbeat_timeout'
  /** The server refused the subscription (e.g. postgres_changes could not start). */
  | 'subscribe_failed'
  /** No confirmed subscription within the policy's time budget. */
  | 'subscribe_timeout'
  | 'channel_error'
  /** Realtime refused or closed over a plan limit (messages/s, joins/s, channels, connections): back off long. */
  | 'rate_limited';

export interface TransportFailure {
  kind: FailureKind;
  message: string;
  /** WebSocket close code, when the session ended with one. */
  code?: number;
  /**
   * Client clock (ms) of the session's last sign of life — a frame, a delivery, a heartbeat
   * reply — when it ended by going quiet: what it was in a position to deliver ended there,
   * not when the silence was noticed.
   */
  lastAliveAt?: number;
}

export function failure(kind: FailureKind, message: string, code?: number): TransportFailure {
  return code === undefined ? { kind, message } : { kind, message, code };
}
