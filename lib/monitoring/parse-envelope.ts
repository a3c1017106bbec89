import * as z from 'zod/mini';
import { envelopeSchema } from '@/contracts/envelope';
import { SYSTEM_EVENT_LEVELS, type MonitoringEvent, type Provenance, type SystemEventLevel } from '@/lib/monitoring/model';
import { parseTimestamp } from '@/lib/monitoring/timestamp';

// zod/mini, as the contracts: this runs in the browser for every frame, and only what is used ships.
/** Postgres bigint/double columns may arrive as JSON numbers or as numeric strings. */
const numeric = z.pipe(z.union([z.number(), z.string().check(z.regex(/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i))]), z.transform(Number));
const count = z.pipe(numeric, z.number().check(z.nonnegative()));

const cacheMetricSchema = z.object({
  source: z.string().check(z.minLength(1)),
  cache_name: z.string().check(z.minLength(1)),
  window_seconds: z._default(count, 1),
  hits: count,
  misses: count,
  hit_ratio: z.pipe(numeric, z.number().check(z.nonnegative(), z.lte(1))),
  evictions: count,
  keys: count,
  memory_bytes: count,
  ops_per_sec: count,
  p50_latency_ms: count,
  p99_latency_ms: count,
});

const systemEventSchema = z.object({
  source: z.string().check(z.minLength(1)),
  level: z.pipe(z.enum(SYSTEM_EVENT_LEVELS as [SystemEventLevel, ...SystemEventLevel[]]), z.transform((level) => level as SystemEventLevel)),
  kind: z.string().check(z.minLength(1)),
  cache_name: z.pipe(z.nullish(z.string().check(z.minLength(1))), z.transform((name) => name ?? null)),
  message: z.string(),
  attributes: z._default(z.record(z.string(), z.unknown()), () => ({})),
});

export type ParsedEnvelope = { ok: true; event: MonitoringEvent } | { ok: false; reason: string };

/**
 * The trust boundary for every feed: an envelope (legacy `event` frame, history item,
 * reshaped Realtime row), checked with the one wire schema (contracts/envelope.ts), becomes
 * a typed {@link MonitoringEvent}, or a reason it was dropped. Never throws.
 */
export function parseEnvelope(raw: unknown, provenance: Provenance): ParsedEnvelope {
  const envelope = envelopeSchema.safeParse(raw);
  if (!envelope.success) return { ok: false, reason: describe(envelope.error) };
  const { id, event_id: eventId, stream, emitted_at, data } = envelope.data;
  const emittedAt = parseTimestamp(emitted_at);
  if (emittedAt === null) return { ok: false, reason: `emitted_at: not a timestamp (${emitted_at.slice(0, 40)})` };
  const identity = { id, eventId, emittedAt, provenance };
  if (stream === 'cache_metrics') {
    const row = cacheMetricSchema.safeParse(data);
    if (!row.success) return { ok: false, reason: describe(row.error, 'data') };
    const r = row.data;
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
  const row = systemEventSchema.safeParse(data);
  if (!row.success) return { ok: false, reason: describe(row.error, 'data') };
  const { cache_name: cacheName, ...rest } = row.data;
  return { ok: true, event: { ...identity, stream, ...rest, cacheName } };
}

function describe(error: z.core.$ZodError, prefix?: string): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid envelope';
  const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  return `${path || 'envelope'}: ${issue.message}`;
}
