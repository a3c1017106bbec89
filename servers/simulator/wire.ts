/**
 * The two item shapes the ingest API accepts (`POST /api/ingest`), mirroring the columns of
 * public.cache_metrics and public.system_events minus what the server assigns at ingest
 * (`id`, `emitted_at`). The authoritative validation is the ingest route's zod schema; these
 * are the simulator's plain types for what it sends.
 */
export interface CacheMetric {
  event_id: string;
  source: string;
  cache_name: string;
  window_seconds: number;
  hits: number;
  misses: number;
  evictions: number;
  keys: number;
  memory_bytes: number;
  /** hits / (hits + misses) in the window; 0 when the window saw no gets. */
  hit_ratio: number;
  ops_per_sec: number;
  p50_latency_ms: number;
  p99_latency_ms: number;
}

export type EventLevel = 'debug' | 'info' | 'warn' | 'error' | 'critical';

export interface SystemEvent {
  event_id: string;
  source: string;
  level: EventLevel;
  /** Matches /^[a-z][a-z0-9_.-]{0,63}$/. */
  kind: string;
  cache_name?: string | null;
  /** 1..2000 characters. */
  message: string;
  attributes?: Record<string, unknown>;
}

/** Body of `POST /api/ingest` (≤ 1,000 items in total). */
export interface IngestBatch {
  metrics: CacheMetric[];
  events: SystemEvent[];
}
