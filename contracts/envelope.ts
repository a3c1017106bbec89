import * as z from 'zod/mini';

/**
 * The wire contract shared by every path that carries a stored row: the legacy feed's
 * event frames, the history API's items and (reshaped from its flat row) Realtime's
 * postgres_changes record. One shape, checked with this one schema at every boundary.
 * `zod/mini` (functional, tree-shakable): the browser parses every frame with it, so only
 * the checks used here ship; server code composes these schemas with classic `zod`.
 */

/** The two monitoring streams; each is a table with its own id sequence. */
export const STREAMS = ['cache_metrics', 'system_events'] as const;
export const streamSchema = z.enum(STREAMS);
export type Stream = z.infer<typeof streamSchema>;

/** One stored row: the durable identity given at ingest plus every other column in `data`. */
export const envelopeSchema = z.object({
  /** bigint id from the table: the per-stream sequence (JSON number, safe integer). */
  id: z.int().check(z.positive(), z.lte(Number.MAX_SAFE_INTEGER)),
  event_id: z.uuid(),
  stream: streamSchema,
  /** Server time at insert, ISO 8601 with an offset (µs precision from Postgres). */
  emitted_at: z.iso.datetime({ offset: true }),
  data: z.record(z.string(), z.unknown()),
});
export type Envelope = z.infer<typeof envelopeSchema>;
