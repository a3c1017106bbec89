/**
 * Supabase Realtime's published limits per plan: the one table the quota gate
 * (lib/validation/engine/plan-quotas.ts), the rollout page's plan setting and the local
 * stand-in's plan profiles (servers/local-supabase/realtime/limits.ts) all read.
 *
 * Source: supabase/supabase `apps/docs/content/guides/realtime/limits.mdx` at commit
 * 3ab8f659fbdd906856a2dc26f58fdb92ac93fa95 ("Limits by plan"). Supabase counts a message as
 * "a WebSocket message delivered to, or sent from a client", so a broadcast to 50 viewers is
 * 51 messages.
 */
export const REALTIME_PLANS = ['free', 'pro', 'pro-no-cap', 'team'] as const;

export type RealtimePlan = (typeof REALTIME_PLANS)[number];

export interface RealtimePlanLimits {
  /** Concurrent connections for the project. */
  concurrentConnections: number;
  /** Messages per second (sent plus delivered), for the project. */
  messagesPerSecond: number;
  /** Channel joins per second, for the project. */
  channelJoinsPerSecond: number;
  /** Channels joined on one connection. */
  channelsPerConnection: number;
  /** Presence keys per object. */
  presenceKeysPerObject: number;
  /** Presence messages per second, for the project. */
  presenceMessagesPerSecond: number;
  /** Presence calls per client within 30 seconds. */
  presenceCallsPer30Seconds: number;
  /** Broadcast payload size in KB (1 KB = 1,000 bytes, as Realtime counts). */
  broadcastPayloadKb: number;
  /** Postgres change payload size in KB; beyond it only fields of ≤ 64 bytes are kept. */
  postgresChangePayloadKb: number;
  /** Broadcast replay: messages per request. */
  replayMessagesPerRequest: number;
}

const SHARED = { channelsPerConnection: 100, presenceKeysPerObject: 10, presenceCallsPer30Seconds: 5, postgresChangePayloadKb: 1_024, replayMessagesPerRequest: 25 } as const;

export const REALTIME_PLAN_LIMITS: Readonly<Record<RealtimePlan, Readonly<RealtimePlanLimits>>> = Object.freeze({
  free: { ...SHARED, concurrentConnections: 200, messagesPerSecond: 100, channelJoinsPerSecond: 100, presenceMessagesPerSecond: 20, broadcastPayloadKb: 256 },
  pro: { ...SHARED, concurrentConnections: 500, messagesPerSecond: 500, channelJoinsPerSecond: 500, presenceMessagesPerSecond: 50, broadcastPayloadKb: 3_000 },
  'pro-no-cap': { ...SHARED, concurrentConnections: 10_000, messagesPerSecond: 2_500, channelJoinsPerSecond: 2_500, presenceMessagesPerSecond: 1_000, broadcastPayloadKb: 3_000 },
  team: { ...SHARED, concurrentConnections: 10_000, messagesPerSecond: 2_500, channelJoinsPerSecond: 2_500, presenceMessagesPerSecond: 1_000, broadcastPayloadKb: 3_000 },
});

/** How each plan is named on Supabase's pricing page and the rollout settings. */
export const REALTIME_PLAN_LABELS: Readonly<Record<RealtimePlan, string>> = Object.freeze({
  free: 'Free',
  pro: 'Pro',
  'pro-no-cap': 'Pro (no spend cap)',
  team: 'Team',
});
