import { describe, expect, it } from 'vitest';
import { analyze } from '@/lib/validation/analyze';
import { upperBound } from '@/lib/validation/bounds';
import type { ObservedSample } from '@/lib/validation/compare';

const T0 = 1_800_000_000_000;
const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

/** A synthetic stream of `count` events delivered to one observer on one lane. */
function stream(options: {
  observer?: string;
  transport: 'legacy' | 'realtime';
  lane?: 'primary' | 'shadow' | 'baseline';
  count: number;
  drop?: Set<number>;
  duplicate?: Set<number>;
  swapAfter?: Set<number>;
  mismatch?: Set<number>;
  latencyMs?: number;
}): ObservedSample[] {
  const order: number[] = [];
  for (let i = 1; i <= options.count; i += 1) {
    if (options.drop?.has(i)) continue;
    order.push(i);
    if (options.duplicate?.has(i)) order.push(i);
  }
  for (const i of options.swapAfter ?? []) {
    const at = order.indexOf(i);
    if (at >= 0 && at + 1 < order.length) [order[at], order[at + 1]] = [order[at + 1] as number, order[at] as number];
  }
  return order.map((i, seq) => ({
    observer: options.observer ?? 'tab-aaaaaaaa',
    cohort: 'shadow',
    browser: 'chrome',
    event_id: uuid(i),
    id: i,
    stream: 'cache_metrics',
    transport: options.transport,
    lane: options.lane ?? (options.transport === 'legacy' ? 'primary' : 'shadow'),
    emitted_at: T0 + i * 10,
    received_at: T0 + i * 10 + (options.latencyMs ?? 5),
    digest: options.mismatch?.has(i) ? 'ffffffffffffffff' : i.toString(16).padStart(16, '0'),
    seq,
  }));
}

const NOW = T0 + 1_000_000;
const GRACE = 5_000;

describe('comparison engine', () => {
  it('counts exact matches when both transports deliver the same events', () => {
    const result = analyze([...stream({ transport: 'legacy', count: 500 }), ...stream({ transport: 'realtime', count: 500 })], NOW, GRACE);
    expect(result.candidate).toMatchObject({ matched: 500, mismatch: 0, missingCandidate: 0, missingControl: 0, compared: 500, discrepancies: 0 });
    expect(result.consistency).toBe(100);
  });

  it('finds known drops, duplicates, reorders and payload mismatches exactly', () => {
    const result = analyze(
      [
        ...stream({ transport: 'legacy', count: 1000, drop: new Set([7]), duplicate: new Set([300]) }),
        ...stream({ transport: 'realtime', count: 1000, drop: new Set([10, 20, 30]), duplicate: new Set([40, 50]), swapAfter: new Set([100, 200]), mismatch: new Set([500, 600]) }),
      ],
      NOW,
      GRACE,
    );
    expect(result.candidate).toMatchObject({
      matched: 1000 - 1 - 3 - 2,
      mismatch: 2,
      missingCandidate: 3,
      missingControl: 1,
      duplicatesControl: 1,
      duplicatesCandidate: 2,
      compared: 1000,
      discrepancies: 6,
    });
    expect(result.outOfOrder).toEqual({ legacy: 0, realtime: 2 });
    expect(result.consistency).toBeCloseTo(99.4, 5);
  });

  it('waits for the grace window before calling an event missing', () => {
    const legacy = stream({ transport: 'legacy', count: 10 });
    const realtime = stream({ transport: 'realtime', count: 10, drop: new Set([10]) });
    const early = analyze([...legacy, ...realtime], T0 + 100 + GRACE - 1, GRACE);
    expect(early.candidate).toMatchObject({ pending: 1, missingCandidate: 0, compared: 9 });
    const late = analyze([...legacy, ...realtime], T0 + 100 + GRACE, GRACE);
    expect(late.candidate).toMatchObject({ pending: 0, missingCandidate: 1, compared: 10 });
  });

  it('only compares observers that ran both transports', () => {
    const result = analyze([...stream({ observer: 'legacy-only-tab', transport: 'legacy', count: 100 }), ...stream({ observer: 'shadow-tab-1', transport: 'realtime', count: 100 })], NOW, GRACE);
    expect(result.candidate.compared).toBe(0);
    expect(Number.isNaN(result.consistencyLowerBound)).toBe(true);
  });

  it('bounds the discrepancy rate by 3/n when none is seen', () => {
    const result = analyze([...stream({ transport: 'legacy', count: 3000 }), ...stream({ transport: 'realtime', count: 3000 })], NOW, GRACE);
    expect(result.excessUpperBound).toBeCloseTo(3 / 3000, 12);
    expect(result.consistencyLowerBound).toBeCloseTo(99.9, 10);
  });

  it('subtracts the noise baseline: loss the legacy feed shows against itself is not blamed on Realtime', () => {
    const drops = new Set(Array.from({ length: 30 }, (_, i) => 100 + i * 100));
    const samples = [
      ...stream({ observer: 'probe-0001', transport: 'legacy', count: 3000 }),
      ...stream({ observer: 'probe-0001', transport: 'legacy', lane: 'baseline', count: 3000, drop: drops }),
      ...stream({ observer: 'probe-0001', transport: 'realtime', count: 3000, drop: drops }),
    ];
    const result = analyze(samples, NOW, GRACE);
    expect(result.baseline).toMatchObject({ compared: 3000, discrepancies: 30 });
    expect(result.candidate).toMatchObject({ compared: 3000, discrepancies: 30 });
    // Excess = upper bound of the candidate rate minus the lower bound of the noise rate.
    expect(result.excessUpperBound).toBeLessThan(upperBound(30, 3000));
    expect(result.excessUpperBound).toBeGreaterThan(0);
    expect(result.consistency).toBeCloseTo(99, 6);
    expect(result.consistencyLowerBound).toBeGreaterThan(result.consistency);
  });

  it('measures latency per transport', () => {
    const result = analyze([...stream({ transport: 'legacy', count: 100, latencyMs: 40 }), ...stream({ transport: 'realtime', count: 100, latencyMs: 12 })], NOW, GRACE);
    expect(result.latency.legacy).toMatchObject({ n: 100, p50: 40, p95: 40 });
    expect(result.latency.realtime).toMatchObject({ n: 100, p50: 12, p99: 12 });
  });
});

describe('confidence bounds', () => {
  it('uses the rule of three for zero events and Wilson otherwise', () => {
    expect(upperBound(0, 3000)).toBeCloseTo(0.001, 12);
    expect(upperBound(5, 1000)).toBeGreaterThan(0.005);
    expect(upperBound(5, 1000)).toBeLessThan(0.011);
    expect(Number.isNaN(upperBound(0, 0))).toBe(true);
  });
});
