import type { Stream } from '@/lib/monitoring/model';
import { parseTimestamp } from '@/lib/monitoring/timestamp';

/**
 * Reshapes a Realtime `postgres_changes` record (a flat row) into the wire envelope the
 * legacy feed and the history API carry (contracts/envelope.ts), so one schema and one
 * parser serve all three: the bigint id as a number (it may arrive as a numeric string),
 * the timestamp as ISO 8601 (it may arrive in Postgres' text form).
 */
export function realtimeRowToEnvelope(stream: Stream, record: unknown): unknown {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return record;
  const { id, event_id, emitted_at, ...data } = record as Record<string, unknown>;
  return { id: typeof id === 'string' && /^\d{1,16}$/.test(id) ? Number(id) : id, event_id, stream, emitted_at: isoTimestamp(emitted_at), data };
}

/** Postgres' `2026-01-02 03:04:05.123456+00` as `2026-01-02T03:04:05.123456+00:00`; anything else is left for the schema to refuse. */
function isoTimestamp(value: unknown): unknown {
  if (typeof value !== 'string' || parseTimestamp(value) === null) return value;
  const match = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2})(?::?(\d{2}))?$/i.exec(value.trim());
  if (!match) return value;
  const [, date, time, zone, minutes] = match;
  return `${date}T${time}${zone?.toUpperCase() === 'Z' ? 'Z' : `${zone}:${minutes ?? '00'}`}`;
}
