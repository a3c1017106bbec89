import type { CacheMetric, IngestBatch, SystemEvent } from './wire.js';

/** The ingest API takes at most this many items (metrics + events) per request. */
export const MAX_BATCH_ITEMS = 1_000;

/** Splits rows into request bodies of at most `max` items, keeping their order. */
export function toBatches(metrics: CacheMetric[], events: SystemEvent[], max = MAX_BATCH_ITEMS): IngestBatch[] {
  if (!Number.isInteger(max) || max < 1) throw new Error(`simulator: batch size must be a positive integer, got ${max}`);
  const batches: IngestBatch[] = [];
  let current: IngestBatch = { metrics: [], events: [] };
  const push = (add: (batch: IngestBatch) => void) => {
    if (current.metrics.length + current.events.length === max) {
      batches.push(current);
      current = { metrics: [], events: [] };
    }
    add(current);
  };
  for (const metric of metrics) push((batch) => batch.metrics.push(metric));
  for (const event of events) push((batch) => batch.events.push(event));
  if (current.metrics.length + current.events.length > 0) batches.push(current);
  return batches;
}

/** Halves a batch (for a 413 from a server with a smaller body limit). */
export function splitBatch(batch: IngestBatch): [IngestBatch, IngestBatch] {
  const items = batch.metrics.length + batch.events.length;
  const halves = toBatches(batch.metrics, batch.events, Math.max(1, Math.ceil(items / 2)));
  return [halves[0] ?? { metrics: [], events: [] }, halves[1] ?? { metrics: [], events: [] }];
}
