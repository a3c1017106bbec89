import { describe, expect, it } from 'vitest';
import { analyzeObserverLanes, indexSources, mergeSubject, type ObserverInfo, type SourceEvent } from '@/lib/validation/engine/analyze';
import type { ObservedSample } from '@/lib/validation/engine/compare';
import { compareLanes } from '@/lib/validation/engine/lane-comparison';
import type { RealtimeStrategy } from '@/contracts/transports';

const T0 = 1_800_000_000_000;
const EVENTS = 1_000;
const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const digest = (i: number) => i.toString(16).padStart(16, '0');
const stored: SourceEvent[] = Array.from({ length: EVENTS }, (_, k) => ({ eventId: uuid(k + 1), stream: 'cache_metrics', id: k + 1, emittedMs: T0 + (k + 1) * 10, digest: digest(k + 1) }));
const sources = indexSources(stored);
const options = { graceMs: 10_000, settleMs: 2_000, legacyPublishing: () => true };

/** The probe: legacy control plus a Realtime lane per strategy, all live the whole time. */
const probe: ObserverInfo = {
  observer: 'probe-host-1',
  subject: 'probe',
  trusted: true,
  cohort: 'probe',
  browser: 'node',
  seenThroughMs: T0 + 3_600_000,
  coverage: [
    { transport: 'legacy', lane: 'primary', fromMs: T0 - 2_000, toMs: null },
    { transport: 'realtime', lane: 'shadow', strategy: 'postgres_changes', fromMs: T0 - 2_000, toMs: null },
    { transport: 'realtime', lane: 'shadow', strategy: 'broadcast', fromMs: T0 - 2_000, toMs: null },
  ],
};

function deliveries(transport: 'legacy' | 'realtime', strategy: RealtimeStrategy | undefined, options: { drop?: (i: number) => boolean; latencyMs: number }): ObservedSample[] {
  return stored
    .filter((event) => !options.drop?.(event.id))
    .map((event, seq) => ({
      observer: probe.observer,
      cohort: 'probe',
      browser: 'node',
      event_id: event.eventId,
      id: event.id,
      stream: 'cache_metrics',
      transport,
      lane: transport === 'legacy' ? 'primary' : 'shadow',
      ...(strategy ? { strategy } : {}),
      emitted_at: event.emittedMs,
      received_at: event.emittedMs + options.latencyMs,
      digest: event.digest,
      seq,
    }));
}

describe('comparison engine, one lane per Realtime strategy', () => {
  // Broadcast loses every 100th event; postgres_changes and legacy lose nothing.
  const samples = [
    ...deliveries('legacy', undefined, { latencyMs: 4 }),
    ...deliveries('realtime', 'postgres_changes', { latencyMs: 20 }),
    ...deliveries('realtime', 'broadcast', { latencyMs: 3, drop: (i) => i % 100 === 0 }),
  ];
  const lanes = analyzeObserverLanes(probe, samples, sources, options);
  const on = (strategy: RealtimeStrategy) => lanes.find((lane) => lane.strategy === strategy);

  it('shows a drop on broadcast on the broadcast lane only', () => {
    expect(lanes.map((lane) => lane.strategy)).toEqual(['broadcast', 'postgres_changes']);
    expect(on('broadcast')?.counts).toMatchObject({ compared: EVENTS, matched: EVENTS - 10, missingCandidate: 10, discrepancies: 10 });
    expect(on('postgres_changes')?.counts).toMatchObject({ compared: EVENTS, matched: EVENTS, missingCandidate: 0, discrepancies: 0 });
    expect(on('broadcast')?.flagged.map((f) => f.event.id)).toEqual([100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    expect(on('postgres_changes')?.flagged).toEqual([]);
  });

  it('keeps each strategy’s latency to its own deliveries', () => {
    const slices = mergeSubject(lanes);
    const summary = compareLanes(
      slices.map((slice) => ({ strategy: slice.strategy, subject: 'probe', trusted: true, counts: slice.counts, latencyLegacy: slice.latency.legacy, latencyRealtime: slice.latency.realtime })),
      [],
      { rolledOut: 'postgres_changes', quarantined: new Set(), messagesPerViewer: { legacy: 20, postgres_changes: 20, broadcast: 5 } },
    );
    const lane = (name: string) => summary.find((l) => l.lane === name);
    // A percentile reads as its histogram bucket's upper edge (edges ×1.25 apart): each lane's sits just above its own delivery latency.
    for (const [name, latencyMs] of [['postgres_changes', 20], ['broadcast', 3], ['legacy', 4]] as const) {
      for (const p of [lane(name)?.probe.p50Ms, lane(name)?.probe.p99Ms]) {
        expect(p).toBeGreaterThanOrEqual(latencyMs);
        expect(p).toBeLessThan(latencyMs * 1.25);
      }
    }
    expect(lane('broadcast')?.probe.consistency).toBeCloseTo(99, 6);
    expect(lane('postgres_changes')?.probe.consistency).toBe(100);
    expect(lane('legacy')?.probe.consistency).toBe(100);
    expect(summary.map((l) => [l.lane, l.rolledOut, l.messagesPerViewer])).toEqual([
      ['legacy', false, 20],
      ['postgres_changes', true, 20],
      ['broadcast', false, 5],
    ]);
  });

  it('reads a Realtime sample that names no strategy as postgres_changes (what was stored before lanes had one)', () => {
    const unnamed = { ...probe, coverage: probe.coverage.filter((c) => c.strategy !== 'broadcast').map(({ strategy: _, ...c }) => c) };
    const legacyLane = deliveries('legacy', undefined, { latencyMs: 4 });
    const realtimeLane = deliveries('realtime', undefined, { latencyMs: 5, drop: (i) => i === 7 });
    const [only, ...rest] = analyzeObserverLanes(unnamed, [...legacyLane, ...realtimeLane], sources, options);
    expect(rest).toEqual([]);
    expect(only?.strategy).toBe('postgres_changes');
    expect(only?.counts).toMatchObject({ compared: EVENTS, missingCandidate: 1 });
  });
});
