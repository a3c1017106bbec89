/**
 * Quotas of the local Realtime server. Defaults follow the Supabase Realtime tenant
 * defaults (realtime-protocol.md §7) except where noted.
 */
export interface RealtimeLimits {
  /** Concurrent WebSocket connections; over it the upgrade gets HTTP 429 `Too many connected users`. */
  maxConcurrentUsers: number;
  /** Channel joins per second (whole server = one tenant). */
  maxJoinsPerSecond: number;
  /** Client-originated broadcast/presence events and REST messages per second (whole server). */
  maxEventsPerSecond: number;
  /** Presence track/untrack events per second (whole server). */
  maxPresenceEventsPerSecond: number;
  /** Joined channels per connection. */
  maxChannelsPerClient: number;
  /** Broadcast / presence payload cap in KB (1 KB = 1,000 bytes, as the server counts). */
  maxPayloadSizeKb: number;
  /** Presence calls per channel within `clientPresenceWindowMs`. */
  clientPresenceMaxCalls: number;
  clientPresenceWindowMs: number;
  /** WebSocket frame cap in bytes (the server's `max_frame_size`). */
  maxFrameBytes: number;
  /** A connection whose unsent backlog exceeds this is dropped (a stalled reader must not exhaust memory). */
  maxOutboundBufferBytes: number;
  /** Messages per REST batch request. */
  maxBatchMessages: number;
  /** Rolling window over which the per-second rates are averaged. */
  rateWindowMs: number;
  /** Connection closed after this long without any inbound frame (Phoenix default 60 s). */
  idleTimeoutMs: number;
  /**
   * Delay before an upgrade refusal / join error reply. Supabase waits 2 s / 5 s to slow
   * down retry storms; locally 0 keeps tests fast (the client behaves the same, only later).
   */
  connectErrorBackoffMs: number;
  channelErrorBackoffMs: number;
}

export const DEFAULT_REALTIME_LIMITS: Readonly<RealtimeLimits> = Object.freeze({
  maxConcurrentUsers: 200,
  maxJoinsPerSecond: 100,
  // Supabase's tenant default is 100 events/s, but the dashboard fans out heavily and the
  // benchmark pushes ≥ 50,000 deliveries/s, so the local default is deliberately generous.
  // Only inbound events count (not deliveries); set it to 100 to mimic a Free project.
  maxEventsPerSecond: 100_000,
  maxPresenceEventsPerSecond: 1_000,
  maxChannelsPerClient: 100,
  maxPayloadSizeKb: 3_000,
  clientPresenceMaxCalls: 5,
  clientPresenceWindowMs: 30_000,
  maxFrameBytes: 5_000_000,
  maxOutboundBufferBytes: 64_000_000,
  maxBatchMessages: 10_000,
  rateWindowMs: 1_000,
  idleTimeoutMs: 60_000,
  connectErrorBackoffMs: 0,
  channelErrorBackoffMs: 0,
});

export function resolveLimits(overrides: Partial<RealtimeLimits> | undefined): RealtimeLimits {
  return { ...DEFAULT_REALTIME_LIMITS, ...overrides };
}
