import 'server-only';
import type pg from 'pg';
import { envelopeColumns, toEnvelope, type EnvelopeRow, STREAMS } from '@/lib/db/stored-envelope';
import { parseEnvelope } from '@/lib/monitoring/parse-envelope';
import { indexSources, type SourceEvent, type SourceIndex } from '@/lib/validation/engine/analyze';
import { eventDigest } from '@/lib/validation/engine/digest';

/**
 * The stored rows emitted in [fromMs, toMs): the source of truth the engine judges every
 * observer's deliveries against, with each row's digest computed through the same
 * envelope → model path the transports use (so a faithful delivery digests equally).
 */
export async function loadSourceEvents(client: pg.Pool | pg.PoolClient, fromMs: number, toMs: number): Promise<SourceIndex> {
  const events: SourceEvent[] = [];
  for (const stream of STREAMS) {
    // `stream` is one of two table names (a constant), never input.
    const { rows } = await client.query<EnvelopeRow>(
      `select ${envelopeColumns('t')} from public.${stream} t where t.emitted_at >= to_timestamp($1 / 1000.0) and t.emitted_at < to_timestamp($2 / 1000.0)`,
      [fromMs, toMs],
    );
    for (const row of rows) {
      const parsed = parseEnvelope(toEnvelope(stream, row), { transport: 'history', receivedAt: 0 });
      if (!parsed.ok) throw new Error(`validation: stored ${stream} row ${String(row.id)} does not parse (${parsed.reason})`);
      const event = parsed.event;
      events.push({ eventId: event.eventId, stream, id: event.id, emittedMs: Math.floor(event.emittedAt), digest: eventDigest(event) });
    }
  }
  return indexSources(events);
}
