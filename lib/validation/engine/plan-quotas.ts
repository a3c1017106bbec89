import { REALTIME_PLAN_LIMITS, type RealtimePlan } from '@/lib/plans/realtime-plans';

/** The three Realtime quotas the rollout's headroom gate projects against, per plan (lib/plans/realtime-plans.ts). */
export interface Quotas {
  connections: number;
  messagesPerSecond: number;
  joinsPerSecond: number;
}

export type Plan = RealtimePlan;

/** The gate's view of a plan's published limits. */
export function planQuotas(plan: Plan): Quotas {
  const limits = REALTIME_PLAN_LIMITS[plan];
  return { connections: limits.concurrentConnections, messagesPerSecond: limits.messagesPerSecond, joinsPerSecond: limits.channelJoinsPerSecond };
}

/** Above this share of a quota the next stage is refused (room for reconnect storms). */
export const HEADROOM_LIMIT = 0.8;
