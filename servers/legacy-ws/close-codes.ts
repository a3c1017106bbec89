/**
 * Every close code the legacy feed sends, with what a client should do about it
 * (docs/legacy-protocol.md §Close codes). 4xxx are application codes.
 */
export const CLOSE_CODES = {
  /** Server shutting down or restarting: reconnect with backoff and resume. */
  goingAway: 1001,
  /** Repeated malformed frames: a client bug; do not reconnect in a tight loop. */
  policyViolation: 1008,
  /** A frame above the size limit (sent by the ws library itself). */
  messageTooBig: 1009,
  /** Unexpected server failure: reconnect with backoff and resume. */
  internalError: 1011,
  /** Token missing, malformed, badly signed, wrong alg or not a user token; or auth skipped. */
  unauthorized: 4001,
  /** Token expired (at auth, at refresh, or mid-session): refresh the session, reconnect. */
  tokenExpired: 4002,
  /** No `auth` frame within the auth timeout: reconnect. */
  authTimeout: 4003,
  /** The client fell behind (send buffer over the bound): reconnect and resume. */
  slowConsumer: 4008,
  /** The feed is decommissioned (the rollout finished): use Realtime; retry only slowly (a kill switch can bring it back). */
  decommissioned: 4010,
} as const;

export type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES];
