/** The two ways a dashboard receives the monitoring streams. */
export const TRANSPORTS = ['legacy', 'realtime'] as const;
export type TransportKind = (typeof TRANSPORTS)[number];

/**
 * How the Realtime transport receives the streams: `postgres_changes` (every change authorized
 * per subscriber from the WAL) or `broadcast` (Broadcast from Database: private channels fed by
 * triggers through `realtime.send`, authorized once per join by `realtime.messages` policies).
 */
export const REALTIME_STRATEGIES = ['postgres_changes', 'broadcast'] as const;
export type RealtimeStrategy = (typeof REALTIME_STRATEGIES)[number];

/** The private topic the database broadcasts a stream on (supabase/migrations/*_broadcast_from_database.sql). */
export const broadcastTopic = (stream: 'cache_metrics' | 'system_events') => `monitoring:${stream}` as const;
