/** The two ways a dashboard receives the monitoring streams. */
export const TRANSPORTS = ['legacy', 'realtime'] as const;
export type TransportKind = (typeof TRANSPORTS)[number];
