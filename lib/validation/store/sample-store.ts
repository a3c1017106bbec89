import 'server-only';
import type pg from 'pg';
import type { StoredIdentity } from '@/lib/validation/engine/evidence-checks';
import type { SampleBatch } from '@/contracts/samples';
import { REALTIME_STRATEGIES, type RealtimeStrategy } from '@/contracts/transports';
import { strategyLane } from '@/lib/validation/engine/strategy-lane';

export interface StoredObserver {
  subject: string;
  firstSeenMs: number;
  lastBatchMs: number;
}

export async function loadObserver(pool: pg.Pool, observer: string): Promise<StoredObserver | null> {
  const { rows } = await pool.query<{ subject: string; first_ms: number; last_ms: number }>(
    `select subject, (extract(epoch from first_seen) * 1000)::float8 as first_ms, (extract(epoch from last_batch_at) * 1000)::float8 as last_ms
       from public.validation_observers where observer = $1`,
    [observer],
  );
  const row = rows[0];
  return row ? { subject: row.subject, firstSeenMs: row.first_ms, lastBatchMs: row.last_ms } : null;
}

/** The stored identity (stream, id, emission ms) of each event id that exists. */
export async function lookupEvents(pool: pg.Pool, eventIds: string[]): Promise<Map<string, StoredIdentity>> {
  const found = new Map<string, StoredIdentity>();
  if (eventIds.length === 0) return found;
  const unique = [...new Set(eventIds)];
  const { rows } = await pool.query<{ event_id: string; stream: string; id: string; emitted_ms: string }>(
    `select event_id::text, 'cache_metrics' as stream, id, floor(extract(epoch from emitted_at) * 1000)::bigint as emitted_ms from public.cache_metrics where event_id = any($1::uuid[])
     union all
     select event_id::text, 'system_events', id, floor(extract(epoch from emitted_at) * 1000)::bigint from public.system_events where event_id = any($1::uuid[])`,
    [unique],
  );
  for (const row of rows) found.set(row.event_id, { eventId: row.event_id, stream: row.stream, id: Number(row.id), emittedMs: Number(row.emitted_ms) });
  return found;
}

/** Counts a refused batch against its caller (what the report lists per caller). */
export async function recordRejection(pool: pg.Pool, subject: string, code: string, message: string): Promise<void> {
  await pool.query(
    `insert into public.validation_rejections (subject, code, count, last_message) values ($1, $2, 1, $3)
     on conflict (subject, code) do update set count = validation_rejections.count + 1, last_at = now(), last_message = excluded.last_message`,
    [subject.slice(0, 128), code, message.slice(0, 500)],
  );
}

/** Realtime session failures a subject reported within the last `seconds` (all its observers together). */
export async function recentErrors(pool: pg.Pool, subject: string, seconds: number): Promise<{ legacy: number; realtime: number }> {
  const { rows } = await pool.query<{ legacy: number; realtime: number }>(
    `select coalesce(sum(legacy_errors), 0)::int as legacy, coalesce(sum(realtime_errors), 0)::int as realtime
       from public.validation_errors where subject = $1 and at > now() - make_interval(secs => $2)`,
    [subject, seconds],
  );
  return rows[0] ?? { legacy: 0, realtime: 0 };
}

/** One interval per lane and start (a batch may repeat one: the closed form wins), within the server's clock. */
function coverageRows(batch: SampleBatch, now: number) {
  const byKey = new Map<string, SampleBatch['coverage'][number]>();
  for (const c of batch.coverage) {
    const key = `${c.transport}:${c.lane}:${strategyLane(c) ?? 'none'}:${c.from}`;
    const known = byKey.get(key);
    if (!known || (known.to === null && c.to !== null)) byKey.set(key, c);
  }
  return [...byKey.values()].map((c) => ({ ...c, to: c.to === null ? null : Math.max(c.from, Math.min(c.to, now)) }));
}

/**
 * Stores one checked batch atomically: the observer (bound to its subject for good, under
 * its namespaced key), its coverage intervals (closed ones are final; every interval's
 * reach, `until_ms`, follows what the observer has vouched for), the samples and the
 * observer's counters — deliveries as distinct events per transport. `seen_through` and
 * coverage ends are clamped to the server's clock.
 */
export async function storeSampleBatch(
  pool: pg.Pool,
  batch: SampleBatch,
  context: { observer: string; subject: string; trusted: boolean; nowMs: number; realtimeErrors?: Partial<Record<RealtimeStrategy, number>> },
): Promise<{ stored: number }> {
  const s = batch.samples;
  const now = Math.floor(context.nowMs);
  const seenThrough = Math.min(batch.seen_through ?? now, now);
  const observer = context.observer;
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query(
      `insert into public.validation_observers (observer, subject, trusted, cohort, browser, seen_through_ms) values ($1, $2, $3, $4, $5, $6)
       on conflict (observer) do update set cohort = excluded.cohort, browser = excluded.browser, last_batch_at = now(),
         seen_through_ms = greatest(validation_observers.seen_through_ms, excluded.seen_through_ms)`,
      [observer, context.subject, context.trusted, batch.cohort, batch.browser, seenThrough],
    );
    const c = coverageRows(batch, now);
    if (c.length > 0) {
      await client.query(
        `insert into public.validation_coverage (observer, transport, lane, strategy, from_ms, to_ms, until_ms)
         select $1, t, l, st, f, e, f from unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[]) as x(t, l, st, f, e)
         on conflict (observer, transport, lane, strategy, from_ms) do update set to_ms = excluded.to_ms where validation_coverage.to_ms is null`,
        [observer, c.map((x) => x.transport), c.map((x) => x.lane), c.map((x) => strategyLane(x) ?? 'none'), c.map((x) => x.from), c.map((x) => x.to)],
      );
    }
    // How far each interval reaches: its end, but never past what the observer vouched for.
    await client.query(
      `update public.validation_coverage v set until_ms = greatest(v.from_ms, least(coalesce(v.to_ms, o.seen_through_ms), o.seen_through_ms))
         from public.validation_observers o
        where v.observer = $1 and o.observer = $1 and v.until_ms <> greatest(v.from_ms, least(coalesce(v.to_ms, o.seen_through_ms), o.seen_through_ms))`,
      [observer],
    );
    if (s.length > 0) {
      await client.query(
        `insert into public.validation_samples
           (observer, cohort, browser, event_id, event_seq, stream, transport, lane, emitted_ms, received_ms, digest, seq, payload, peer_payload, strategy)
         select $1, $2, $3, * from unnest($4::uuid[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::bigint[], $10::bigint[], $11::text[], $12::int[], $13::jsonb[], $14::jsonb[], $15::text[])`,
        [
          observer,
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
          s.map((x) => strategyLane(x)),
        ],
      );
    }
    const delivered = (transport: 'legacy' | 'realtime', strategy?: RealtimeStrategy) =>
      new Set(s.filter((x) => x.transport === transport && (strategy === undefined || strategyLane(x) === strategy)).map((x) => x.event_id)).size;
    // Each Realtime strategy's lane has its own error rate: its errors over the events it delivered.
    const byStrategy: Partial<Record<RealtimeStrategy, { errors: number; deliveries: number }>> = {};
    for (const strategy of REALTIME_STRATEGIES) {
      const lane = { errors: context.realtimeErrors?.[strategy] ?? 0, deliveries: delivered('realtime', strategy) };
      if (lane.errors > 0 || lane.deliveries > 0) byStrategy[strategy] = lane;
    }
    await client.query(
      `insert into public.validation_errors (observer, subject, cohort, browser, legacy_errors, realtime_errors, legacy_deliveries, realtime_deliveries, recovered_replay, recovered_history, by_strategy)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [observer, context.subject, batch.cohort, batch.browser, batch.errors.legacy, batch.errors.realtime, delivered('legacy'), delivered('realtime'), batch.recovered.replay, batch.recovered.history, byStrategy],
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
