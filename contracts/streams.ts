/**
 * The two monitoring streams; each is a table with its own id sequence. Apart from the
 * envelope's schema (contracts/envelope.ts) so what only names a stream — the dashboard's
 * panels, the history key — does not carry valibot into the page's first load.
 */
export const STREAMS = ['cache_metrics', 'system_events'] as const;
export type Stream = (typeof STREAMS)[number];
