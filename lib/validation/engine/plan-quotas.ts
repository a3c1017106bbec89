/** Supabase Realtime quotas per plan (supabase.com/docs/guides/realtime/limits). */
export const PLAN_QUOTAS = {
  free: { connections: 200, messagesPerSecond: 100, joinsPerSecond: 100 },
  pro: { connections: 500, messagesPerSecond: 500, joinsPerSecond: 500 },
  'pro-no-cap': { connections: 10_000, messagesPerSecond: 2_500, joinsPerSecond: 2_500 },
  team: { connections: 10_000, messagesPerSecond: 2_500, joinsPerSecond: 2_500 },
} as const;

export type Plan = keyof typeof PLAN_QUOTAS;
export type Quotas = (typeof PLAN_QUOTAS)[Plan];

/** Above this share of a quota the next stage is refused (room for reconnect storms). */
export const HEADROOM_LIMIT = 0.8;
