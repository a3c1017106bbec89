import * as v from 'valibot';
import { describeIssue, envelopeSchema } from '@/contracts/envelope';
import { SYSTEM_EVENT_LEVELS, type MonitoringEvent, type Provenance } from '@/lib/monitoring/model';
import { parseTimestamp } from '@/lib/monitoring/timestamp';

// Valibot, as the contracts: this runs in the browser for every frame, and only what is used ships.
/** Postgres bigint/double columns may arrive as JSON numbers or as numeric strings. */
const numeric = v.pipe(v.union([v.number(), v.pipe(v.string(), v.regex(/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i))]), v.transform(Number), v.finite());
const count = v.pipe(numeric, v.minValue(0));

const cacheMetricSchema = v.object({
  source: v.pipe(v.string(), v.minLength(1)),
  cache_name: v.pipe(v.string(), v.minLength(1)),
  window_seconds: v.optional(count, 1),
  hits: count,
  misses: count,
  hit_ratio: v.pipe(count, v.maxValue(1)),
  evictions: count,
  keys: count,
  memory_bytes: count,
  ops_per_sec: count,
  p50_latency_ms: count,
  p99_latency_ms: count,
});

const systemEventSchema = v.object({
  source: v.pipe(v.string(), v.minLength(1)),
  level: v.picklist(SYSTEM_EVENT_LEVELS),
  kind: v.pipe(v.string(), v.minLength(1)),
  cache_name: v.nullish(v.pipe(v.string(), v.minLength(1))),
  message: v.string(),
  attributes: v.optional(v.record(v.string(), v.unknown()), () => ({})),
});

export type ParsedEnvelope = { ok: true; event: MonitoringEvent } | { ok: false; reason: string };

/**
 * The trust boundary for every feed: an envelope (legacy `event` frame, history item,
 * reshaped Realtime row), checked with the one wire schema (contracts/envelope.ts), becomes
 * a typed {@link MonitoringEvent}, or a reason it was dropped. Never throws.
 */
export function parseEnvelope(raw: unknown, provenance: Provenance): ParsedEnvelope {
  const envelope = v.safeParse(envelopeSchema, raw);
  if (!envelope.success) return { ok: false, reason: describeIssue(envelope.issues, 'envelope') };
  const { id, event_id: eventId, stream, emitted_at, data } = envelope.output;
  const emittedAt = parseTimestamp(emitted_at);
  if (emittedAt === null) return { ok: false, reason: `emitted_at: not a timestamp (${emitted_at.slice(0, 40)})` };
  const identity = { id, eventId, emittedAt, provenance };
  if (stream === 'cache_metrics') {
    const row = v.safeParse(cacheMetricSchema, data);
    if (!row.success) return { ok: false, reason: describeIssue(row.issues, 'data', 'data') };
    const r = row.output;
    return {
      ok: true,
      event: {
        ...identity,
        stream,
        source: r.source,
        cacheName: r.cache_name,
        windowSeconds: r.window_seconds,
        hits: r.hits,
        misses: r.misses,
        hitRatio: r.hit_ratio,
        evictions: r.evictions,
        keys: r.keys,
        memoryBytes: r.memory_bytes,
        opsPerSec: r.ops_per_sec,
        p50LatencyMs: r.p50_latency_ms,
        p99LatencyMs: r.p99_latency_ms,
      },
    };
  }
  const row = v.safeParse(systemEventSchema, data);
  if (!row.success) return { ok: false, reason: describeIssue(row.issues, 'data', 'data') };
  const { cache_name: cacheName, ...rest } = row.output;
  return { ok: true, event: { ...identity, stream, ...rest, cacheName: cacheName ?? null } };
}
