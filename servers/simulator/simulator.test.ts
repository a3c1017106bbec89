import { describe, expect, it } from 'vitest';
import { noScenario } from './scenario.js';
import { createSimulator, type SimulatedSecond } from './simulator.js';
import { cacheMetricRow, systemEventRow } from '../../test-support/simulator/wire-constraints.js';

const run = (seconds: number, options: Parameters<typeof createSimulator>[0]): SimulatedSecond[] => {
  const sim = createSimulator(options);
  return Array.from({ length: seconds }, () => sim.step());
};
const numbersOnly = (seconds: SimulatedSecond[]) =>
  seconds.map((s) => ({ metrics: s.metrics.map(({ event_id: _, ...rest }) => rest), events: s.events.map(({ event_id: _, ...rest }) => rest) }));

describe('simulator', () => {
  it('produces identical seconds for the same seed', () => {
    expect(run(40, { seed: 42, rate: 20 })).toEqual(run(40, { seed: 42, rate: 20 }));
  });

  it('produces different measurements for a different seed', () => {
    expect(numbersOnly(run(10, { seed: 1 }))).not.toEqual(numbersOnly(run(10, { seed: 2 })));
  });

  it('changes only the event ids when the id salt changes', () => {
    const a = run(10, { seed: 5, idSalt: 'run-a' });
    const b = run(10, { seed: 5, idSalt: 'run-b' });
    expect(numbersOnly(a)).toEqual(numbersOnly(b));
    expect(a[0]?.metrics[0]?.event_id).not.toBe(b[0]?.metrics[0]?.event_id);
  });

  it('reports metrics that add up to the cache counters', () => {
    const sim = createSimulator({ seed: 9, rate: 30, scenario: noScenario });
    const seconds = Array.from({ length: 25 }, () => sim.step());
    const metrics = seconds.flatMap((s) => s.metrics);
    for (const node of sim.counters()) {
      const mine = metrics.filter((m) => m.source === node.source && m.cache_name === node.cache_name);
      expect(mine.length).toBe(25 * sim.layout.windowsPerSecond);
      expect(mine.reduce((sum, m) => sum + m.hits, 0)).toBe(node.counters.hits);
      expect(mine.reduce((sum, m) => sum + m.misses, 0)).toBe(node.counters.misses);
      expect(mine.reduce((sum, m) => sum + m.evictions, 0)).toBe(node.counters.evictions);
      expect(mine.at(-1)).toMatchObject({ keys: node.counters.keys, memory_bytes: node.counters.bytes });
    }
    for (const m of metrics) {
      expect(m.hit_ratio).toBeCloseTo(m.hits / (m.hits + m.misses), 12);
      expect(m.ops_per_sec).toBeCloseTo((m.hits + m.misses) / m.window_seconds, 9);
      expect(m.p99_latency_ms).toBeGreaterThanOrEqual(m.p50_latency_ms);
      expect(m.memory_bytes).toBeLessThanOrEqual(8 * 1024 * 1024);
    }
  });

  it('measures hits in microseconds and misses at origin latency', () => {
    const seconds = run(60, { seed: 3, scenario: noScenario });
    const warm = seconds.slice(30).flatMap((s) => s.metrics);
    for (const m of warm) {
      expect(m.hit_ratio).toBeGreaterThan(0.5);
      expect(m.p50_latency_ms).toBeLessThan(0.05);
      expect(m.p99_latency_ms).toBeGreaterThan(1);
    }
  });

  it('emits rows that satisfy the table constraints', () => {
    for (const second of run(30, { seed: 4, rate: 100 })) {
      for (const m of second.metrics) expect(cacheMetricRow.safeParse(m).success).toBe(true);
      for (const e of second.events) expect(systemEventRow.safeParse(e).success).toBe(true);
    }
  });

  it('reaches high rates with sub-second windows and shards, every row unique', () => {
    const low = createSimulator({ seed: 1, rate: 20 });
    expect(low.layout).toMatchObject({ nodesPerCache: 1, windowsPerSecond: 7 });
    const sim = createSimulator({ seed: 1, rate: 1500 });
    expect(sim.layout.metricsPerSecond).toBeGreaterThanOrEqual(1500);
    const seconds = [sim.step(), sim.step()];
    const rows = seconds.flatMap((s) => [...s.metrics, ...s.events]);
    expect(seconds[1]?.metrics.length).toBe(sim.layout.metricsPerSecond);
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(rows.length);
    expect(new Set(seconds[1]?.metrics.map((m) => `${m.cache_name}@${m.source}`)).size).toBe(3 * sim.layout.nodesPerCache);
    expect(seconds[1]?.windows.map((w) => w.offsetMs)).toEqual(Array.from({ length: sim.layout.windowsPerSecond }, (_, i) => (i + 1) * 100));
  });

  it('keeps one sample per cache per second at rate 0', () => {
    const [first] = run(1, { seed: 1, rate: 0 });
    expect(first?.metrics.map((m) => [m.cache_name, m.window_seconds])).toEqual([
      ['sessions', 1],
      ['catalog', 1],
      ['pricing', 1],
    ]);
  });

  it('names the unknown cache when a control targets one', () => {
    expect(() => createSimulator({ seed: 1 }).restart('nope')).toThrow(/no cache named "nope"/);
  });
});
