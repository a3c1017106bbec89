import type { Envelope, Stream } from '@/contracts/envelope';

export { STREAMS, type Envelope, type Stream } from '@/contracts/envelope';

/**
 * SQL select list turning a row of either stream table (alias `alias`) into envelope
 * columns. `data` is the row as jsonb minus the identity, so bigint/real columns arrive
 * as JSON numbers and a column added by a later migration is carried without code changes.
 */
export function envelopeColumns(alias: string): string {
  return `${alias}.id, ${alias}.event_id, to_char(${alias}.emitted_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as emitted_at,
    to_jsonb(${alias}) - 'id' - 'event_id' - 'emitted_at' as data`;
}

export interface EnvelopeRow {
  id: number | string;
  event_id: string;
  emitted_at: string;
  data: Record<string, unknown>;
}

export function toEnvelope(stream: Stream, row: EnvelopeRow): Envelope {
  // bigint ids may come back as strings depending on the pool's type parsers.
  return { id: Number(row.id), event_id: row.event_id, stream, emitted_at: row.emitted_at, data: row.data };
}
