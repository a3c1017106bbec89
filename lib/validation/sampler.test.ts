import { afterEach, describe, expect, it } from 'vitest';
import { makeEvent } from '@/lib/monitoring/testing/make-events';
import type { SampleBatch } from '@/lib/validation/sample';
import { createSampler, type Sampler } from '@/lib/validation/sampler';

const samplers: Sampler[] = [];
afterEach(async () => {
  for (const sampler of samplers.splice(0)) await sampler.stop();
});

/** A sampler whose sink holds each batch until `release()`: a slow samples API. */
function slowSampler() {
  const batches: SampleBatch[] = [];
  const pending: Array<() => void> = [];
  const sampler = createSampler({
    observer: 'observer-test',
    cohort: 'shadow',
    browser: 'chrome',
    clockOffsetMs: () => 0,
    errors: () => ({ legacy: 0, realtime: 0 }),
    flushEveryMs: 60_000,
    send: (batch) =>
      new Promise<void>((resolve) => {
        batches.push(batch);
        pending.push(resolve);
      }),
  });
  samplers.push(sampler);
  const release = () => pending.splice(0).forEach((resolve) => resolve());
  return { sampler, batches, release, waiting: () => pending.length };
}

const sampleIds = (batches: SampleBatch[]) => batches.flatMap((batch) => batch.samples.map((sample) => sample.id));

describe('validation sampler', () => {
  it('sends, on stop, the samples recorded while a flush was in flight', async () => {
    const { sampler, batches, release, waiting } = slowSampler();
    sampler.record(makeEvent(1), 'shadow');
    const first = sampler.flush();
    expect(waiting()).toBe(1);
    sampler.record(makeEvent(2), 'shadow');
    sampler.record(makeEvent(3, { source: 'legacy' }), 'primary');
    const stopped = sampler.stop();
    const releasing = setInterval(release, 1);
    await Promise.all([first, stopped]).finally(() => clearInterval(releasing));
    expect(sampleIds(batches)).toEqual([1, 2, 3]);
    expect(sampler.stats()).toMatchObject({ buffered: 0, sent: 3, dropped: 0 });
  });

  it('joins a flush in flight instead of sending a batch twice', async () => {
    const { sampler, batches, release } = slowSampler();
    sampler.record(makeEvent(1), 'shadow');
    const a = sampler.flush();
    const b = sampler.flush();
    release();
    await Promise.all([a, b]);
    expect(sampleIds(batches)).toEqual([1]);
  });

  it('drains more than one full batch on stop', async () => {
    const { sampler, batches, release } = slowSampler();
    for (let id = 1; id <= 2_345; id += 1) sampler.record(makeEvent(id), 'shadow');
    const releasing = setInterval(release, 1);
    await sampler.stop().finally(() => clearInterval(releasing));
    expect(batches.map((batch) => batch.samples.length)).toEqual([1_000, 1_000, 345]);
    expect(new Set(sampleIds(batches)).size).toBe(2_345);
  });
});
