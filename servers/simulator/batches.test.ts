import { describe, expect, it } from 'vitest';
import { splitBatch, toBatches } from './batches.js';
import { createSimulator } from './simulator.js';

describe('batches', () => {
  it('packs rows into requests of at most 1,000 items, in order, losing none', () => {
    const sim = createSimulator({ seed: 1, rate: 2_500 });
    const { metrics } = sim.step();
    const events = metrics.slice(0, 30).map((m, i) => ({ event_id: m.event_id, source: 's', level: 'info' as const, kind: 'test.event', message: `e${i}` }));
    const batches = toBatches(metrics, events);
    expect(batches.map((b) => b.metrics.length + b.events.length).every((n) => n <= 1_000)).toBe(true);
    expect(batches.slice(0, -1).every((b) => b.metrics.length + b.events.length === 1_000)).toBe(true);
    expect(batches.flatMap((b) => b.metrics)).toEqual(metrics);
    expect(batches.flatMap((b) => b.events)).toEqual(events);
  });

  it('sends nothing for nothing, and halves a batch', () => {
    expect(toBatches([], [])).toEqual([]);
    const { metrics, events } = createSimulator({ seed: 1 }).step();
    const [a, b] = splitBatch({ metrics, events });
    expect([...a.metrics, ...b.metrics]).toEqual(metrics);
    expect([...a.events, ...b.events]).toEqual(events);
    expect(Math.abs(a.metrics.length + a.events.length - (b.metrics.length + b.events.length))).toBeLessThanOrEqual(1);
  });
});
