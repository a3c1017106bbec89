import { REALTIME_PLANS, REALTIME_PLAN_LIMITS, type RealtimePlan } from '../../../lib/plans/realtime-plans.js';

/**
 * Quotas of the local Realtime server. The default (`local`) profile is generous, for
 * benchmarks; the plan profiles take Supabase's published limits (lib/plans/realtime-plans.ts).
 */
export interface RealtimeLimits {
  /**
   * Concurrent users (connections that joined a channel): over it the upgrade gets HTTP 429
   * `Too many connected users` and a join `ConnectionRateLimitReached: Too many connected users`.
   */
  maxConcurrentUsers: number;
  /** Channel joins per second (whole server = one tenant). */
  maxJoinsPerSecond: number;
  /**
   * Messages per second (whole server), counted as Supabase bills them: each broadcast a client
   * or the REST API sends, plus each copy delivered (message-rate.ts).
   */
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
  /**
   * Private joins being authorized against `realtime.messages` policies at once (whole server).
   * The policy pool has 4 connections; past this a join is refused at once with upstream's
   * pool-exhaustion answer (`IncreaseConnectionPool: Please increase your connection pool size`)
   * instead of queueing without bound.
   */
  maxConcurrentAuthorizations: number;
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
  // Deliveries count, and the benchmarks push ≥ 400,000 deliveries/s: far above any run here.
  // REALTIME_PLAN=free (or another plan) gives Supabase's numbers instead.
  maxEventsPerSecond: 50_000_000,
  maxPresenceEventsPerSecond: 1_000,
  maxChannelsPerClient: 100,
  maxPayloadSizeKb: 3_000,
  clientPresenceMaxCalls: 5,
  clientPresenceWindowMs: 30_000,
  maxFrameBytes: 5_000_000,
  maxOutboundBufferBytes: 64_000_000,
  maxConcurrentAuthorizations: 16,
  maxBatchMessages: 10_000,
  rateWindowMs: 1_000,
  idleTimeoutMs: 60_000,
  connectErrorBackoffMs: 0,
  channelErrorBackoffMs: 0,
});

/** `local` (generous, the default) or one of Supabase's plans. */
export const REALTIME_PROFILES = ['local', ...REALTIME_PLANS] as const;
export type RealtimeProfile = (typeof REALTIME_PROFILES)[number];

/**
 * A plan's published limits as the stand-in's quotas. Rates are averaged over 5 s (one tick
 * of upstream's rate counters, which average up to 12 such ticks and re-check every tick; here
 * the check is on every message). Frame, buffer and idle settings stay the local ones.
 */
export function planLimits(plan: RealtimePlan): RealtimeLimits {
  const published = REALTIME_PLAN_LIMITS[plan];
  return {
    ...DEFAULT_REALTIME_LIMITS,
    maxConcurrentUsers: published.concurrentConnections,
    maxJoinsPerSecond: published.channelJoinsPerSecond,
    maxEventsPerSecond: published.messagesPerSecond,
    maxPresenceEventsPerSecond: published.presenceMessagesPerSecond,
    maxChannelsPerClient: published.channelsPerConnection,
    maxPayloadSizeKb: published.broadcastPayloadKb,
    clientPresenceMaxCalls: published.presenceCallsPer30Seconds,
    clientPresenceWindowMs: 30_000,
    rateWindowMs: 5_000,
  };
}

export function profileLimits(profile: RealtimeProfile): RealtimeLimits {
  return profile === 'local' ? { ...DEFAULT_REALTIME_LIMITS } : planLimits(profile);
}

/** One line for start-up logs: which profile and its headline numbers. */
export function describeProfile(profile: RealtimeProfile): string {
  const limits = profileLimits(profile);
  const n = (value: number) => value.toLocaleString('en');
  const head = profile === 'local' ? 'local (generous, for benchmarks; REALTIME_PLAN=free|pro|pro-no-cap|team for a plan)' : `${profile} (Supabase's published limits)`;
  return `${head}: ${n(limits.maxConcurrentUsers)} connections, ${n(limits.maxEventsPerSecond)} msgs/s, ${n(limits.maxJoinsPerSecond)} joins/s, ${n(limits.maxChannelsPerClient)} channels/connection, ${n(limits.maxPresenceEventsPerSecond)} presence msgs/s, ${n(limits.maxPayloadSizeKb)} KB payload`;
}

export function resolveLimits(overrides: Partial<RealtimeLimits> | undefined): RealtimeLimits {
  return { ...DEFAULT_REALTIME_LIMITS, ...overrides };
}
