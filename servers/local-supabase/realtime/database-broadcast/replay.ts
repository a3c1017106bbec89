import type pg from 'pg';
import type { DatabaseMessage } from './message.js';
import { byteaFromHex } from './message.js';

/** Upstream's hard cap on replayed messages per join. */
export const REPLAY_HARD_LIMIT = 25;
export const REPLAY_DEFAULT_LIMIT = 10;

/**
 * The latest `limit` (1..25) private broadcast messages of `topic` inserted at or after `sinceMs`
 * (Unix ms), oldest first, as Realtime's `Messages.replay`: nothing from more than a minute ahead.
 */
export async function replayMessages(pool: pg.Pool, topic: string, sinceMs: number, limit: number): Promise<DatabaseMessage[]> {
  const capped = Math.max(1, Math.min(REPLAY_HARD_LIMIT, Math.trunc(limit)));
  const { rows } = await pool.query<{ id: string; event: string | null; payload: string | null; binary_payload: string | null }>({
    text: `select id::text, event, payload::text as payload, binary_payload::text as binary_payload
             from realtime.messages
            where topic = $1 and private is true and extension = 'broadcast'
              and inserted_at >= (to_timestamp($2::float8 / 1000) at time zone 'UTC')
              and inserted_at < (now() at time zone 'UTC') + interval '1 minute'
            -- One transaction's sends share inserted_at (now()); heap order breaks the tie.
            order by inserted_at desc, tableoid desc, ctid desc
            limit $3`,
    values: [topic, sinceMs, capped],
  });
  return rows.reverse().map((row) => ({
    id: row.id,
    topic,
    event: row.event ?? '',
    private: true,
    payloadJson: row.payload,
    binaryPayload: row.binary_payload === null ? null : byteaFromHex(row.binary_payload),
  }));
}
