import { z } from 'zod';

/**
 * The column constraints of public.cache_metrics / public.system_events as a zod schema, so
 * tests can check that what the simulator sends would be accepted row for row.
 */
const count = z.number().int().min(0);
const name = z.string().min(1).max(100);

export const cacheMetricRow = z
  .object({
    event_id: z.uuid(),
    source: name,
    cache_name: name,
    window_seconds: z.number().gt(0).max(3600),
    hits: count,
    misses: count,
    evictions: count,
    keys: count,
    memory_bytes: count,
    hit_ratio: z.number().min(0).max(1),
    ops_per_sec: z.number().min(0),
    p50_latency_ms: z.number().min(0),
    p99_latency_ms: z.number().min(0),
  })
  .strict()
  .refine((m) => m.p99_latency_ms >= m.p50_latency_ms, 'p99 must be ≥ p50');

export const systemEventRow = z
  .object({
    event_id: z.uuid(),
    source: name,
    level: z.enum(['debug', 'info', 'warn', 'error', 'critical']),
    kind: z.string().regex(/^[a-z][a-z0-9_.-]{0,63}$/),
    cache_name: name.nullable().optional(),
    message: z.string().min(1).max(2000),
    attributes: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export const ingestBody = z.object({ metrics: z.array(cacheMetricRow), events: z.array(systemEventRow) }).strict();
