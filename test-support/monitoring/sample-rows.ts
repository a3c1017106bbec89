import { randomUUID } from 'node:crypto';
import type { Envelope, Stream } from '@/lib/monitoring/model';

/** Column values for a row of `stream`, as the ingest API would store them. */
export function sampleData(stream: Stream, n: number): Record<string, unknown> {
  if (stream === 'system_events') {
    return { source: 'test', level: 'info', kind: 'test.event', cache_name: 'sessions', message: `event ${n}`, attributes: { n } };
  }
  return {
    source: 'test',
    cache_name: 'sessions',
    window_seconds: 1,
    hits: 90 + n,
    misses: 10,
    hit_ratio: 0.9,
    evictions: 0,
    keys: 1_000,
    memory_bytes: 65_536,
    ops_per_sec: 100 + n,
    p50_latency_ms: 0.4,
    p99_latency_ms: 2.5,
  };
}

export function sampleEnvelope(stream: Stream, id: number): Envelope {
  return { id, event_id: randomUUID(), stream, emitted_at: new Date().toISOString(), data: sampleData(stream, id) };
}
