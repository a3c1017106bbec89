import { describe, expect, it } from 'vitest';
import { noScenario } from './scenario.js';
import { createSimulator, type SimulatedSecond, type Simulator } from './simulator.js';
import type { SystemEvent } from './wire.js';

const steps = (sim: Simulator, n: number): SimulatedSecond[] => Array.from({ length: n }, () => sim.step());
const kinds = (events: SystemEvent[]) => events.map((e) => `${e.cache_name}:${e.kind}`);
const quiet = (seed = 42) => createSimulator({ seed, scenario: noScenario });

describe('system events', () => {
  it('announces each cache starting empty, then stays quiet while nothing happens', () => {
    const sim = quiet();
    const [first, ...rest] = steps(sim, 60);
    expect(kinds(first?.events ?? [])).toEqual(['sessions:cache.cold_start', 'catalog:cache.cold_start', 'pricing:cache.cold_start']);
    expect(first?.events[0]?.attributes).toMatchObject({ reason: 'start', dropped_keys: 0 });
    expect(rest.flatMap((s) => s.events)).toEqual([]);
  });

  it('reports an eviction storm in the second the capacity is cut, and its end the next second', () => {
    const sim = quiet();
    steps(sim, 40);
    const before = sim.counters().find((n) => n.cache_name === 'pricing')?.counters;
    sim.scaleCapacity('pricing', 0.25);
    const [storm, after] = steps(sim, 2);
    const stormEvents = storm?.events.filter((e) => e.kind === 'cache.eviction_storm') ?? [];
    expect(stormEvents.map((e) => e.cache_name)).toEqual(['pricing']);
    expect(stormEvents[0]?.level).toBe('warn');
    const pricing = storm?.metrics.find((m) => m.cache_name === 'pricing');
    expect(stormEvents[0]?.attributes).toMatchObject({ evictions: pricing?.evictions, capacity_bytes: 2 * 1024 * 1024 });
    expect(pricing?.memory_bytes).toBeLessThanOrEqual(2 * 1024 * 1024);
    expect(pricing?.evictions).toBeGreaterThanOrEqual((before?.keys ?? 0) / 2);
    expect(kinds(after?.events ?? [])).toContain('pricing:cache.eviction_storm.ended');
  });

  it('does not call a mild shrink a storm', () => {
    const sim = quiet();
    steps(sim, 40);
    sim.scaleCapacity('pricing', 0.8);
    const events = steps(sim, 3).flatMap((s) => s.events);
    expect(events.filter((e) => e.kind.startsWith('cache.eviction_storm'))).toEqual([]);
  });

  it('reports an origin error burst while the origin fails every fetch, and its recovery', () => {
    const sim = quiet();
    steps(sim, 30);
    sim.configureOrigin('catalog', { errorRate: 1 });
    const outage = steps(sim, 5);
    const first = outage[0]?.events ?? [];
    expect(kinds(first)).toContain('catalog:origin.error_burst');
    const burst = first.find((e) => e.kind === 'origin.error_burst');
    expect(burst?.level).toBe('critical');
    expect(burst?.attributes).toMatchObject({ error_share: 1 });
    expect(outage.slice(1).flatMap((s) => s.events).filter((e) => e.kind.startsWith('origin.'))).toEqual([]);
    // While the origin is down nothing new gets cached, and a miss waits for the timeout.
    const catalog = outage.map((s) => s.metrics.find((m) => m.cache_name === 'catalog'));
    expect(catalog.every((m) => (m?.p99_latency_ms ?? 0) >= 250)).toBe(true);
    sim.resetOrigin('catalog');
    expect(kinds(sim.step().events)).toEqual(['catalog:origin.recovered']);
  });

  it('reports a cold start when a cache is flushed, with what it dropped', () => {
    const sim = quiet();
    steps(sim, 30);
    const keysBefore = sim.step().metrics.find((m) => m.cache_name === 'sessions')?.keys;
    sim.restart('sessions');
    const restarted = sim.step();
    const cold = restarted.events.find((e) => e.kind === 'cache.cold_start');
    expect(cold).toMatchObject({ cache_name: 'sessions', level: 'info' });
    expect(cold?.attributes).toMatchObject({ reason: 'restart', dropped_keys: keysBefore });
    expect(restarted.events.filter((e) => e.kind === 'cache.cold_start')).toHaveLength(1);
  });

  it('reports the hit ratio degrading after a restart and recovering as the cache warms', () => {
    const sim = quiet();
    steps(sim, 40);
    sim.restart('pricing');
    const after = steps(sim, 60);
    const degradedAt = after.findIndex((s) => s.events.some((e) => e.kind === 'cache.hit_ratio.degraded'));
    const recoveredAt = after.findIndex((s) => s.events.some((e) => e.kind === 'cache.hit_ratio.recovered'));
    expect(degradedAt).toBe(0);
    expect(after[0]?.events.filter((e) => e.kind === 'cache.hit_ratio.degraded').map((e) => e.cache_name)).toEqual(['pricing']);
    expect(recoveredAt).toBeGreaterThan(degradedAt);
    const recovered = after[recoveredAt]?.events.find((e) => e.kind === 'cache.hit_ratio.recovered');
    const ratio = after[recoveredAt]?.metrics.find((m) => m.cache_name === 'pricing')?.hit_ratio ?? 0;
    expect(ratio).toBeGreaterThanOrEqual(0.95 * Number(recovered?.attributes?.baseline));
  });

  it('runs a scheduled scenario and detects what it causes', () => {
    const sim = createSimulator({ seed: 42, scenario: { periodSeconds: 1_000, entries: [{ at: 45, cache: 'pricing', action: { type: 'scale-capacity', factor: 0.2 } }] } });
    const seconds = steps(sim, 50);
    const storms = seconds.filter((s) => s.events.some((e) => e.kind === 'cache.eviction_storm'));
    expect(storms.map((s) => s.second)).toEqual([46]);
  });

  it('has every shard report its own events at high rates', () => {
    const sim = createSimulator({ seed: 42, rate: 200, scenario: noScenario });
    steps(sim, 5);
    sim.restart('sessions');
    const cold = sim.step().events.filter((e) => e.kind === 'cache.cold_start');
    expect(cold).toHaveLength(sim.layout.nodesPerCache);
    expect(new Set(cold.map((e) => e.source)).size).toBe(sim.layout.nodesPerCache);
  });
});
