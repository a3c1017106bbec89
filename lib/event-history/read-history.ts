import 'server-only';
import type pg from 'pg';
import { envelopeColumns, toEnvelope, type Envelope, type EnvelopeRow, type Stream } from '@/lib/db/stored-envelope';
import type { HistoryQuery } from '@/lib/event-history/history-query';
import { mapDatabaseError } from '@/lib/api/database-error';

export interface HistoryPage {
  stream: Stream;
  /** Ascending by id; the same envelope shape as the legacy feed. */
  items: Envelope[];
  /** Pass as `after` for the next page; null when this page reached the end. */
  next_after: number | null;
}

/** One keyset page of a stream (by id, on the primary key index). */
export async function readHistory(pool: pg.Pool, query: HistoryQuery): Promise<HistoryPage> {
  const { stream, after, before, limit, latest } = query;
  // `stream` is one of two table names (validated enum), never free text.
  const range = `from public.${stream} t where t.id > $1 and ($2::bigint is null or t.id < $2)`;
  const sql = latest
    ? `select * from (select ${envelopeColumns('t')} ${range} order by t.id desc limit $3) page order by id`
    : `select ${envelopeColumns('t')} ${range} order by t.id limit $3`;
  let rows: EnvelopeRow[];
  try {
    ({ rows } = await pool.query<EnvelopeRow>(sql, [after, before ?? null, limit]));
  } catch (error) {
    throw mapDatabaseError(error, 'history query');
  }
  const items = rows.map((row) => toEnvelope(stream, row));
  const last = items.at(-1);
  return { stream, items, next_after: !latest && last && items.length === limit ? last.id : null };
}
