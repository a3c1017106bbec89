import 'server-only';
import type pg from 'pg';
import type { SampleBatch } from '@/lib/validation/sample';

/**
 * Stores one batch atomically (one multi-row INSERT via unnest, plus the observer's
 * error counters): all or nothing.
 */
export async function storeSampleBatch(pool: pg.Pool, batch: SampleBatch): Promise<{ stored: number }> {
  const s = batch.samples;
  const client = await pool.connect();
  try {
    await client.query('begin');
    if (s.length > 0) {
      await client.query(
        `insert into public.validation_samples
           (observer, cohort, browser, event_id, event_seq, stream, transport, lane, emitted_ms, received_ms, digest, seq, payload, peer_payload)
         select $1, $2, $3, * from unnest($4::uuid[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::bigint[], $10::bigint[], $11::text[], $12::int[], $13::jsonb[], $14::jsonb[])`,
        [
          batch.observer,
          batch.cohort,
          batch.browser,
          s.map((x) => x.event_id),
          s.map((x) => x.id),
          s.map((x) => x.stream),
          s.map((x) => x.transport),
          s.map((x) => x.lane),
          s.map((x) => x.emitted_at),
          s.map((x) => x.received_at),
          s.map((x) => x.digest),
          s.map((x) => x.seq),
          s.map((x) => (x.payload === undefined ? null : JSON.stringify(x.payload))),
          s.map((x) => (x.peer_payload === undefined ? null : JSON.stringify(x.peer_payload))),
        ],
      );
    }
    const legacy = s.filter((x) => x.transport === 'legacy').length;
    await client.query(
      `insert into public.validation_errors (observer, cohort, browser, legacy_errors, realtime_errors, legacy_deliveries, realtime_deliveries)
       values ($1, $2, $3, $4, $5, $6, $7)`,
      [batch.observer, batch.cohort, batch.browser, batch.errors.legacy, batch.errors.realtime, legacy, s.length - legacy],
    );
    await client.query('commit');
    return { stored: s.length };
  } catch (error) {
    await client.query('rollback');
    throw error;
  } finally {
    client.release();
  }
}
