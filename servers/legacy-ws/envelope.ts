import { z } from 'zod';

/** The two monitoring streams; each is a table with its own id sequence. */
export const STREAMS = ['cache_metrics', 'system_events'] as const;
export const streamSchema = z.enum(STREAMS);
export type Stream = z.infer<typeof streamSchema>;

/**
 * One row on the wire, identical on the legacy feed and on Realtime: the durable identity
 * given at ingest (`id`, `event_id`, `emitted_at`) plus the row's other columns in `data`.
 */
export const envelopeSchema = z.object({
  /** bigint id from the table: the per-stream sequence (JSON number, safe integer). */
  id: z.int().positive(),
  event_id: z.uuid(),
  stream: streamSchema,
  emitted_at: z.iso.datetime({ offset: true }),
  data: z.record(z.string(), z.unknown()),
});
export type Envelope = z.infer<typeof envelopeSchema>;
