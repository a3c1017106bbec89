import { z } from 'zod';

/** Items (metrics + events) per request, and bytes per body. */
export const MAX_BATCH_ITEMS = 1_000;
export const MAX_BATCH_BYTES = 1024 * 1024;
/**
 * Nesting of the whole body (an event's `attributes` sit at level 4, so they may nest 28
 * more). Half the generic limit, so any stored event still fits inside a samples body.
 * NUL characters and lone surrogates are refused by readJsonBody for every route.
 */
export const MAX_BATCH_DEPTH = 32;

const text = (min: number, max: number) =>
  z
    .string({ error: 'must be a string' })
    .min(min, `must be at least ${min} character${min === 1 ? '' : 's'}`)
    .max(max, `must be at most ${max} characters`);
// Counts go to bigint columns; zod's int is a safe integer (|n| < 2^53), well inside them.
const count = z.int({ error: 'must be an integer' }).min(0, 'must be ≥ 0');
const measure = z.number({ error: 'must be a number' }).min(0, 'must be ≥ 0');
const eventId = z.uuid({ error: 'must be a UUID' }).transform((id) => id.toLowerCase());

export const cacheMetricSchema = z
  .strictObject({
    event_id: eventId,
    source: text(1, 100),
    cache_name: text(1, 100),
    // A real column: below a millisecond, values round towards 0 (and 0 breaks its check).
    window_seconds: z.number({ error: 'must be a number' }).min(0.001, 'must be ≥ 0.001').max(3600, 'must be ≤ 3600').default(1),
    hits: count,
    misses: count,
    evictions: count,
    keys: count,
    memory_bytes: count,
    hit_ratio: measure.max(1, 'must be ≤ 1'),
    ops_per_sec: measure,
    p50_latency_ms: measure,
    p99_latency_ms: measure,
  })
  .refine((m) => m.p99_latency_ms >= m.p50_latency_ms, { message: 'must be ≥ p50_latency_ms', path: ['p99_latency_ms'] });

export const SYSTEM_EVENT_LEVELS = ['debug', 'info', 'warn', 'error', 'critical'] as const;

export const systemEventSchema = z.strictObject({
  event_id: eventId,
  source: text(1, 100),
  level: z.enum(SYSTEM_EVENT_LEVELS, { error: `must be one of ${SYSTEM_EVENT_LEVELS.join(', ')}` }),
  kind: text(1, 64).regex(/^[a-z][a-z0-9_.-]{0,63}$/, 'must match ^[a-z][a-z0-9_.-]{0,63}$'),
  cache_name: text(1, 100).nullish().transform((name) => name ?? null),
  message: text(1, 2000),
  attributes: z.record(z.string(), z.unknown(), { error: 'must be an object' }).default({}),
});

export const ingestBatchSchema = z
  .strictObject({
    metrics: z.array(cacheMetricSchema, { error: 'must be an array' }).max(MAX_BATCH_ITEMS, `must hold at most ${MAX_BATCH_ITEMS} items`).default([]),
    events: z.array(systemEventSchema, { error: 'must be an array' }).max(MAX_BATCH_ITEMS, `must hold at most ${MAX_BATCH_ITEMS} items`).default([]),
  })
  .refine((b) => b.metrics.length + b.events.length <= MAX_BATCH_ITEMS, { message: `metrics and events together must hold at most ${MAX_BATCH_ITEMS} items` });

export type IngestBatch = z.infer<typeof ingestBatchSchema>;

