import 'server-only';
import type pg from 'pg';
import { mapDatabaseError } from '@/lib/api/database-error';
import { envelopeColumns, toEnvelope, type Envelope, type EnvelopeRow, type Stream } from '@/lib/db/stored-envelope';
import type { IngestBatch } from '@/lib/ingest/ingest-batch';
import { uniqueItems } from '@/lib/ingest/unique-items';

export interface StoredItem {
  event_id: string;
  id: number;
}

export interface StoreResult {
  metrics: StoredItem[];
  events: StoredItem[];
  /** Items that were already stored (earlier batch, or repeated in this one). */
  duplicates: number;
  /** The rows this call inserted, ascending by id per stream: what goes to the legacy feed. */
  inserted: Envelope[];
}

// One statement = one transaction: both streams are stored, or neither. `on conflict do
// nothing` makes a retried batch a no-op; ordinality keeps ids in input order.
const INSERT_BOTH = `
with m as (
  insert into public.cache_metrics as t
    (event_id, source, cache_name, window_seconds, hits, misses, evictions, keys, memory_bytes, hit_ratio, ops_per_sec, p50_latency_ms, p99_latency_ms)
  select event_id, source, cache_name, window_seconds, hits, misses, evictions, keys, memory_bytes, hit_ratio, ops_per_sec, p50_latency_ms, p99_latency_ms
  from unnest($1::uuid[], $2::text[], $3::text[], $4::real[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[],
              $10::float8[], $11::float8[], $12::float8[], $13::float8[]) with ordinality
    as u(event_id, source, cache_name, window_seconds, hits, misses, evictions, keys, memory_bytes, hit_ratio, ops_per_sec, p50_latency_ms, p99_latency_ms, ord)
  order by ord
  on conflict (event_id) do nothing
  returning ${envelopeColumns('t')}
), e as (
  insert into public.system_events as t (event_id, source, level, kind, cache_name, message, attributes)
  select event_id, source, level, kind, cache_name, message, attributes
  from unnest($14::uuid[], $15::text[], $16::text[], $17::text[], $18::text[], $19::text[], $20::jsonb[]) with ordinality
    as u(event_id, source, level, kind, cache_name, message, attributes, ord)
  order by ord
  on conflict (event_id) do nothing
  returning ${envelopeColumns('t')}
)
select 'cache_metrics' as stream, * from m union all select 'system_events' as stream, * from e`;

/** Stores a validated batch all-or-nothing and idempotently by `event_id`. */
export async function storeIngestBatch(pool: pg.Pool, batch: IngestBatch): Promise<StoreResult> {
  const metrics = uniqueItems(batch.metrics, 'metrics');
  const events = uniqueItems(batch.events, 'events', new Map(batch.metrics.map((m, i) => [m.event_id, `metrics[${i}]`])));
  let rows: Array<EnvelopeRow & { stream: Stream }>;
  try {
    // Named: prepared once per connection, so the planner's work is not repeated per batch.
    ({ rows } = await pool.query<EnvelopeRow & { stream: Stream }>({ name: 'ingest-insert-both', text: INSERT_BOTH, values: [
      metrics.map((m) => m.event_id),
      metrics.map((m) => m.source),
      metrics.map((m) => m.cache_name),
      metrics.map((m) => m.window_seconds),
      metrics.map((m) => m.hits),
      metrics.map((m) => m.misses),
      metrics.map((m) => m.evictions),
      metrics.map((m) => m.keys),
      metrics.map((m) => m.memory_bytes),
      metrics.map((m) => m.hit_ratio),
      metrics.map((m) => m.ops_per_sec),
      metrics.map((m) => m.p50_latency_ms),
      metrics.map((m) => m.p99_latency_ms),
      events.map((e) => e.event_id),
      events.map((e) => e.source),
      events.map((e) => e.level),
      events.map((e) => e.kind),
      events.map((e) => e.cache_name),
      events.map((e) => e.message),
      events.map((e) => JSON.stringify(e.attributes)),
    ] }));
  } catch (error) {
    throw mapDatabaseError(error, 'batch');
  }
  const inserted = rows.map((row) => toEnvelope(row.stream, row)).sort((a, b) => a.id - b.id);
  const ids = { cache_metrics: new Map<string, number>(), system_events: new Map<string, number>() };
  for (const envelope of inserted) ids[envelope.stream].set(envelope.event_id, envelope.id);
  await fillExisting(pool, 'cache_metrics', metrics.map((m) => m.event_id), ids.cache_metrics);
  await fillExisting(pool, 'system_events', events.map((e) => e.event_id), ids.system_events);
  const stored = (stream: Stream, items: Array<{ event_id: string }>): StoredItem[] =>
    items.map(({ event_id }) => ({ event_id, id: ids[stream].get(event_id) ?? missing(stream, event_id) }));
  return {
    metrics: stored('cache_metrics', batch.metrics),
    events: stored('system_events', batch.events),
    duplicates: batch.metrics.length + batch.events.length - inserted.length,
    inserted,
  };
}

/** Ids of rows an earlier batch stored (the insert skipped them). */
async function fillExisting(pool: pg.Pool, stream: Stream, eventIds: string[], ids: Map<string, number>): Promise<void> {
  const wanted = eventIds.filter((id) => !ids.has(id));
  if (wanted.length === 0) return;
  let rows: Array<{ id: number | string; event_id: string }>;
  try {
    ({ rows } = await pool.query<{ id: number | string; event_id: string }>(`select id, event_id from public.${stream} where event_id = any($1::uuid[])`, [wanted]));
  } catch (error) {
    throw mapDatabaseError(error, 'duplicate lookup');
  }
  for (const row of rows) ids.set(row.event_id, Number(row.id));
}

function missing(stream: Stream, eventId: string): never {
  throw new Error(`ingest: ${stream} row ${eventId} was neither inserted nor found`);
}
