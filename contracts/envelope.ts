/**
 * The wire contract shared by every path that carries a stored row: the legacy feed's
 * frames, the history API's items and the monitoring model's input. (The legacy server
 * validates the same shape with zod in servers/legacy-ws/envelope.ts.)
 */

/** The two monitoring streams; each is a table with its own id sequence. */
export const STREAMS = ['cache_metrics', 'system_events'] as const;
export type Stream = (typeof STREAMS)[number];

/** One stored row: the durable identity given at ingest plus every other column in `data`. */
export interface Envelope {
  id: number;
  event_id: string;
  stream: Stream;
  /** Server time at insert, ISO 8601 UTC. */
  emitted_at: string;
  data: Record<string, unknown>;
}
