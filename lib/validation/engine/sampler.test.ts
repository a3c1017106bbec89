import { afterEach, describe, expect, it } from 'vitest';
import type { MonitoringEvent } from '@/lib/monitoring/model';
import { makeEvent } from '@/test-support/monitoring/make-events';
import type { SampleBatch } from '@/contracts/samples';
import { createSampler, type Sampler } from '@/lib/validation/engine/sampler';

const samplers: Array<{ sampler: Sampler; release(): void }> = [];
afterEach(async () => {
  for (const { sampler, release } of samplers.splice(0)) {
    const releasing = setInterval(release, 1);
    await sampler.stop().finally(() => clearInterval(releasing));
  }
});

/** A sampler on a hand-driven clock whose sink holds each batch until `release()` (a slow samples API), or fails while `failing`. */
function testSampler(overrides: Partial<Parameters<typeof createSampler>[0]> = {}) {
  const batches: Array<SampleBatch & { final: boolean }> = [];
  const pending: Array<() => void> = [];
  const clock = { now: 1_800_000_000_000, failing: false };
  const sampler = createSampler({
    observer: 'observer-test',
    cohort: 'shadow',
    browser: 'chrome',
    clockOffsetMs: () => 0,
    errors: () => ({ legacy: 0, realtime: 0 }),
    flushEveryMs: 60_000,
    now: () => clock.now,
    send: (batch, { final }) => {
      if (clock.failing) return Promise.reject(new Error('samples API down'));
      return new Promise<void>((resolve) => {
        batches.push({ ...batch, final });
        pending.push(resolve);
      });
    },
    ...overrides,
  });
  const release = () => pending.splice(0).forEach((resolve) => resolve());
  samplers.push({ sampler, release });
  const flushed = async () => {
    const done = sampler.flush();
    release();
    await done;
  };
  return { sampler, batches, release, flushed, clock, waiting: () => pending.length };
}

/** An event emitted at `emittedAt`, delivered by `transport` now. */
function delivered(id: number, transport: 'legacy' | 'realtime', emittedAt: number, replayed = false): MonitoringEvent {
  const event = makeEvent(id, { source: transport });
  return { ...event, emittedAt, provenance: { ...event.provenance, receivedAt: emittedAt + 5, ...(replayed ? { replayed: true } : {}) } } as MonitoringEvent;
}

const sampleIds = (batches: SampleBatch[]) => batches.flatMap((batch) => batch.samples.map((sample) => sample.id));

describe('validation sampler', () => {
  it('sends, on stop, the samples recorded while a flush was in flight', async () => {
    const { sampler, batches, release, waiting, clock } = testSampler();
    sampler.laneLive('realtime', 'shadow');
    sampler.laneLive('legacy', 'primary');
    sampler.record(delivered(1, 'realtime', clock.now), 'shadow');
    const first = sampler.flush();
    expect(waiting()).toBe(1);
    sampler.record(delivered(2, 'realtime', clock.now), 'shadow');
    sampler.record(delivered(3, 'legacy', clock.now), 'primary');
    const stopped = sampler.stop();
    const releasing = setInterval(release, 1);
    await Promise.all([first, stopped]).finally(() => clearInterval(releasing));
    expect(sampleIds(batches)).toEqual([1, 2, 3]);
    expect(sampler.stats()).toMatchObject({ buffered: 0, sent: 3, dropped: 0 });
  });

  it('joins a flush in flight instead of sending a batch twice', async () => {
    const { sampler, batches, release, clock } = testSampler();
    sampler.laneLive('realtime', 'shadow');
    sampler.record(delivered(1, 'realtime', clock.now), 'shadow');
    const a = sampler.flush();
    const b = sampler.flush();
    release();
    await Promise.all([a, b]);
    expect(sampleIds(batches)).toEqual([1]);
  });

  it('drains more than one full batch on stop, each vouching only for what it carries', async () => {
    const { sampler, batches, release, clock } = testSampler();
    sampler.laneLive('realtime', 'shadow');
    for (let id = 1; id <= 2_345; id += 1) sampler.record(delivered(id, 'realtime', clock.now + id), 'shadow');
    clock.now += 10_000;
    const releasing = setInterval(release, 1);
    await sampler.stop().finally(() => clearInterval(releasing));
    expect(batches.map((batch) => batch.samples.length)).toEqual([1_000, 1_000, 345]);
    expect(new Set(sampleIds(batches)).size).toBe(2_345);
    // A batch with more to come vouches up to its last delivery; the last one up to now.
    expect(batches.map((batch) => batch.seen_through)).toEqual([batches[0]?.samples.at(-1)?.received_at, batches[1]?.samples.at(-1)?.received_at, clock.now]);
  });

  it('samples only live deliveries: not resume replays, not events from before the lane went live, not before a join', async () => {
    const { sampler, batches, flushed, clock } = testSampler();
    const start = clock.now;
    sampler.record(delivered(1, 'legacy', start - 50), 'primary'); // no lane live yet
    sampler.laneLive('legacy', 'primary');
    sampler.record(delivered(2, 'legacy', start - 60_000, true), 'primary'); // replayed on resume
    sampler.record(delivered(3, 'legacy', start - 30_000), 'primary'); // emitted before the lane went live
    sampler.record(delivered(4, 'legacy', start + 10), 'primary');
    await flushed();
    expect(sampleIds(batches)).toEqual([4]);
    expect(batches[0]?.recovered).toEqual({ replay: 2, history: 0 });
    expect(batches[0]?.coverage).toEqual([{ transport: 'legacy', lane: 'primary', from: start + 10, to: null }]);
  });

  it('reports each lane’s coverage: open while live, closed when it goes down, reopened at its next live delivery', async () => {
    const { sampler, batches, flushed, clock } = testSampler();
    const start = clock.now;
    sampler.laneLive('realtime', 'shadow');
    sampler.record(delivered(1, 'realtime', start + 100), 'shadow');
    clock.now = start + 5_000;
    sampler.laneDown('realtime', 'shadow');
    clock.now = start + 8_000;
    sampler.laneLive('realtime', 'shadow');
    sampler.record(delivered(2, 'realtime', start + 8_200), 'shadow');
    await flushed();
    expect(batches.at(-1)?.coverage).toEqual([
      { transport: 'realtime', lane: 'shadow', strategy: 'postgres_changes', from: start + 100, to: start + 5_000 },
      { transport: 'realtime', lane: 'shadow', strategy: 'postgres_changes', from: start + 8_200, to: null },
    ]);
    // Closed intervals are sent once; the open one again with every report.
    await flushed();
    expect(batches.at(-1)?.coverage).toEqual([{ transport: 'realtime', lane: 'shadow', strategy: 'postgres_changes', from: start + 8_200, to: null }]);
  });

  it('ends a lane that went quiet at its last sign of life, not when the silence was noticed', async () => {
    const { sampler, batches, flushed, clock } = testSampler();
    const start = clock.now;
    sampler.laneLive('realtime', 'primary');
    sampler.record(delivered(1, 'realtime', start + 10), 'primary');
    clock.now = start + 35_000;
    sampler.laneDown('realtime', 'primary', start + 5_000);
    await flushed();
    expect(batches.at(-1)?.coverage).toEqual([{ transport: 'realtime', lane: 'primary', strategy: 'postgres_changes', from: start + 10, to: start + 5_000 }]);
  });

  it('takes a hidden tab out of the comparison until it is visible and delivering again', async () => {
    const { sampler, batches, flushed, clock } = testSampler();
    const start = clock.now;
    sampler.laneLive('legacy', 'primary');
    sampler.record(delivered(1, 'legacy', start + 1), 'primary');
    clock.now = start + 1_000;
    sampler.setVisible(false);
    sampler.record(delivered(2, 'legacy', start + 1_100), 'primary');
    clock.now = start + 60_000;
    sampler.setVisible(true);
    sampler.record(delivered(3, 'legacy', start + 50_000), 'primary'); // arrived late, emitted while hidden
    sampler.record(delivered(4, 'legacy', start + 60_010), 'primary');
    await flushed();
    expect(sampleIds(batches)).toEqual([1, 4]);
    expect(batches[0]?.coverage).toEqual([
      { transport: 'legacy', lane: 'primary', from: start + 1, to: start + 1_000 },
      { transport: 'legacy', lane: 'primary', from: start + 60_010, to: null },
    ]);
  });

  it('ends the coverage of samples it lost (the API was down), so nothing it never reported is expected of it', async () => {
    const { sampler, batches, flushed, clock } = testSampler();
    const start = clock.now;
    sampler.laneLive('realtime', 'shadow');
    sampler.record(delivered(1, 'realtime', start + 10), 'shadow');
    await flushed();
    sampler.record(delivered(2, 'realtime', start + 2_000), 'shadow');
    clock.failing = true;
    await sampler.flush();
    clock.failing = false;
    clock.now = start + 4_000;
    sampler.record(delivered(3, 'realtime', start + 4_000), 'shadow');
    await flushed();
    expect(sampler.stats()).toMatchObject({ failedBatches: 1, dropped: 1 });
    expect(sampleIds(batches)).toEqual([1, 3]);
    expect(batches.at(-1)?.coverage).toEqual([
      { transport: 'realtime', lane: 'shadow', strategy: 'postgres_changes', from: start + 10, to: start + 1_999 },
      { transport: 'realtime', lane: 'shadow', strategy: 'postgres_changes', from: start + 4_000, to: null },
    ]);
  });

  it('on page hide, sends one small final report that ends coverage before the oldest unsent delivery', async () => {
    const { sampler, batches, release, clock } = testSampler();
    const start = clock.now;
    sampler.laneLive('realtime', 'primary');
    sampler.laneLive('legacy', 'shadow');
    sampler.record(delivered(1, 'realtime', start + 10), 'primary');
    const first = sampler.flush();
    release();
    await first;
    sampler.record(delivered(2, 'realtime', start + 3_000), 'primary');
    clock.now = start + 3_010;
    const abandoned = sampler.abandon();
    release();
    await abandoned;
    const last = batches.at(-1);
    expect(last).toMatchObject({ final: true, samples: [] });
    expect(last?.coverage).toEqual([{ transport: 'realtime', lane: 'primary', strategy: 'postgres_changes', from: start + 10, to: start + 2_999 }]);
  });

  it('keeps each Realtime strategy a lane of its own: samples, coverage and errors name it', async () => {
    const errors = { legacy: 0, realtime: 0, strategies: { postgres_changes: 0, broadcast: 0 } };
    const { sampler, batches, flushed, clock } = testSampler({ cohort: 'probe', browser: 'node', errors: () => structuredClone(errors) });
    const start = clock.now;
    sampler.laneLive('realtime', 'shadow', 'postgres_changes');
    sampler.laneLive('realtime', 'shadow', 'broadcast');
    sampler.record(delivered(1, 'realtime', start + 10), 'shadow', 'postgres_changes');
    sampler.record(delivered(1, 'realtime', start + 10), 'shadow', 'broadcast');
    clock.now = start + 1_000;
    // Broadcast fails; postgres_changes stays live.
    sampler.laneDown('realtime', 'shadow', undefined, 'broadcast');
    errors.realtime += 1;
    errors.strategies.broadcast += 1;
    await flushed();
    const batch = batches.at(-1);
    expect(batch?.samples.map((sample) => [sample.id, sample.strategy])).toEqual([
      [1, 'postgres_changes'],
      [1, 'broadcast'],
    ]);
    expect(batch?.coverage).toEqual([
      { transport: 'realtime', lane: 'shadow', strategy: 'broadcast', from: start + 10, to: start + 1_000 },
      { transport: 'realtime', lane: 'shadow', strategy: 'postgres_changes', from: start + 10, to: null },
    ]);
    expect(batch?.errors).toEqual({ legacy: 0, realtime: 1, strategies: { broadcast: 1 } });
  });

  it('names its own strategy on a viewer’s Realtime lanes, and never on legacy ones', async () => {
    const { sampler, batches, flushed, clock } = testSampler({ realtimeStrategy: 'broadcast', errors: () => ({ legacy: 0, realtime: 2 }) });
    sampler.laneLive('realtime', 'shadow');
    sampler.laneLive('legacy', 'primary');
    sampler.record(delivered(1, 'realtime', clock.now), 'shadow');
    sampler.record(delivered(1, 'legacy', clock.now), 'primary');
    await flushed();
    const batch = batches.at(-1);
    expect(batch?.samples.map((sample) => [sample.transport, sample.strategy])).toEqual([
      ['realtime', 'broadcast'],
      ['legacy', undefined],
    ]);
    expect(batch?.errors.strategies).toEqual({ broadcast: 2 });
  });
});
