import { randomUUID } from 'node:crypto';

/** What `POST /api/validation/samples` takes (lib/validation/sample.ts), built without zod. */
export interface SyntheticBatch {
  observer: string;
  cohort: 'shadow';
  browser: 'chrome';
  clock_offset_ms: number;
  errors: { legacy: number; realtime: number };
  samples: Array<{ event_id: string; id: number; stream: 'cache_metrics'; transport: 'legacy' | 'realtime'; lane: 'primary' | 'shadow'; received_at: number; emitted_at: number; digest: string; seq: number }>;
}

let nextObserver = 0;
let nextId = 1;

/**
 * One observer's batch in the shadow cohort: `events` events, each delivered by legacy
 * (primary) and Realtime (shadow) → 2 × `events` samples. About 1 in 1,000 Realtime
 * deliveries carries a different digest, as a real run's rare mismatch would.
 */
export function syntheticBatch(events: number, emittedFrom: number, spreadMs: number): SyntheticBatch {
  const observer = `bench-observer-${(nextObserver++).toString(36).padStart(6, '0')}`;
  const samples: SyntheticBatch['samples'] = [];
  for (let index = 0; index < events; index += 1) {
    const id = nextId++;
    const emitted = emittedFrom + Math.floor((index * spreadMs) / events);
    const event_id = randomUUID();
    const digest = (id * 2654435761 % 2 ** 32).toString(16).padStart(16, '0');
    samples.push({ event_id, id, stream: 'cache_metrics', transport: 'legacy', lane: 'primary', received_at: emitted + 4, emitted_at: emitted, digest, seq: index });
    const realtimeDigest = id % 1000 === 0 ? 'ffffffffffffffff' : digest;
    samples.push({ event_id, id, stream: 'cache_metrics', transport: 'realtime', lane: 'shadow', received_at: emitted + 6, emitted_at: emitted, digest: realtimeDigest, seq: index });
  }
  return { observer, cohort: 'shadow', browser: 'chrome', clock_offset_ms: 0, errors: { legacy: 0, realtime: 0 }, samples };
}
