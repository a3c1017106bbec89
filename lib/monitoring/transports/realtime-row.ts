import type { Stream } from '@/lib/monitoring/model';

/**
 * Reshapes a Realtime `postgres_changes` record (a flat row) into the envelope shape the
 * legacy feed and the history API share, so one parser serves all three.
 */
export function realtimeRowToEnvelope(stream: Stream, record: unknown): unknown {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return record;
  const { id, event_id, emitted_at, ...data } = record as Record<string, unknown>;
  return { id, event_id, stream, emitted_at, data };
}
