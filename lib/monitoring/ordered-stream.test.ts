import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MonitoringEvent } from '@/lib/monitoring/model';
import { createOrderedStream, type FillRequest } from '@/lib/monitoring/ordered-stream';
import { ids, makeEvent } from '@/test-support/monitoring/make-events';

function setup(options: { maxBuffer?: number } = {}) {
  const delivered: MonitoringEvent[] = [];
  const requests: FillRequest[] = [];
  const stream = createOrderedStream<MonitoringEvent>({
    windowMs: 250,
    maxBuffer: options.maxBuffer ?? 100,
    dedupeSize: 1_000,
    onDeliver: (events) => delivered.push(...events),
    onFillRequest: (request) => requests.push(request),
  });
  return { stream, delivered, requests };
}

describe('ordered stream', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('delivers consecutive ids at once', () => {
    const { stream, delivered } = setup();
    stream.seed([makeEvent(1), makeEvent(2)]);
    stream.push(makeEvent(3));
    stream.push(makeEvent(4));
    expect(ids(delivered)).toEqual([1, 2, 3, 4]);
  });

  it('restores id order inside the reorder window without asking for a fill', () => {
    const { stream, delivered, requests } = setup();
    stream.seed([]);
    for (const id of [2, 1, 4, 3, 5]) stream.push(makeEvent(id));
    expect(ids(delivered)).toEqual([1, 2, 3, 4, 5]);
    vi.advanceTimersByTime(1_000);
    expect(requests).toEqual([]);
  });

  it('drops an event_id it has already delivered', () => {
    const { stream, delivered } = setup();
    stream.seed([]);
    const first = makeEvent(1);
    stream.push(first);
    stream.push({ ...first, provenance: { transport: 'legacy', receivedAt: 0 } });
    stream.push(makeEvent(2));
    expect(ids(delivered)).toEqual([1, 2]);
    expect(stream.stats().duplicates).toBe(1);
  });

  it('drops a repeated event_id that is still held behind a hole', () => {
    const { stream, delivered } = setup();
    stream.seed([makeEvent(1)]);
    const third = makeEvent(3);
    stream.push(third);
    stream.push(third);
    stream.push(makeEvent(2));
    expect(ids(delivered)).toEqual([1, 2, 3]);
  });

  it('asks for a gap fill when a hole outlives the window', () => {
    const { stream, delivered, requests } = setup();
    stream.seed([makeEvent(10)]);
    stream.push(makeEvent(13));
    vi.advanceTimersByTime(249);
    expect(requests).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(requests).toEqual([{ afterId: 10, untilId: 12, reason: 'gap' }]);
    expect(ids(delivered)).toEqual([10]);
    expect(stream.stats().gapsDetected).toBe(1);
  });

  it('releases held events in order once the fill closes the hole', () => {
    const { stream, delivered } = setup();
    stream.seed([makeEvent(10)]);
    stream.push(makeEvent(13));
    stream.push(makeEvent(14));
    vi.advanceTimersByTime(250);
    stream.fill([makeEvent(11, { source: 'history' }), makeEvent(12, { source: 'history' })], { afterId: 10, throughId: 14 });
    expect(ids(delivered)).toEqual([10, 11, 12, 13, 14]);
    expect(stream.held()).toBe(0);
  });

  it('treats ids a fill vouches for but does not return as never written', () => {
    const { stream, delivered, requests } = setup();
    stream.seed([makeEvent(10)]);
    stream.push(makeEvent(12));
    vi.advanceTimersByTime(250);
    stream.fill([], { afterId: 10, throughId: 12 });
    expect(ids(delivered)).toEqual([10, 12]);
    vi.advanceTimersByTime(5_000);
    expect(requests).toHaveLength(1);
  });

  it('still delivers an event that commits after its hole was settled, once', () => {
    const { stream, delivered } = setup();
    stream.seed([makeEvent(10)]);
    stream.push(makeEvent(12));
    vi.advanceTimersByTime(250);
    stream.fill([], { afterId: 10, throughId: 12 });
    const late = makeEvent(11);
    stream.push(late);
    stream.push(late);
    expect(ids(delivered)).toEqual([10, 12, 11]);
    expect(stream.stats().lateArrivals).toBe(1);
  });

  it('opens a new window for a second hole after the first closes', () => {
    const { stream, requests } = setup();
    stream.seed([makeEvent(1)]);
    stream.push(makeEvent(3));
    vi.advanceTimersByTime(200);
    stream.push(makeEvent(2));
    stream.push(makeEvent(5));
    vi.advanceTimersByTime(200);
    expect(requests).toEqual([]);
    vi.advanceTimersByTime(50);
    expect(requests).toEqual([{ afterId: 3, untilId: 4, reason: 'gap' }]);
  });

  it('keeps one fill in flight and asks again afterwards from the new last id', () => {
    const { stream, requests } = setup();
    stream.seed([makeEvent(1)]);
    stream.requestFill('reconnect');
    stream.requestFill('reconnect');
    expect(requests).toHaveLength(1);
    stream.fill([makeEvent(2, { source: 'history' }), makeEvent(3, { source: 'history' })], { afterId: 1, throughId: 3 });
    expect(requests).toEqual([
      { afterId: 1, untilId: null, reason: 'reconnect' },
      { afterId: 3, untilId: null, reason: 'reconnect' },
    ]);
  });

  it('asks again after a failed fill while the hole stays open', () => {
    const { stream, requests } = setup();
    stream.seed([makeEvent(1)]);
    stream.push(makeEvent(4));
    vi.advanceTimersByTime(250);
    stream.fillFailed();
    expect(stream.fillInFlight()).toBe(false);
    vi.advanceTimersByTime(250);
    expect(requests).toHaveLength(2);
    expect(requests[1]).toEqual({ afterId: 1, untilId: 3, reason: 'gap' });
  });

  it('releases held events when the buffer overflows and fills the hole late', () => {
    const { stream, delivered, requests } = setup({ maxBuffer: 3 });
    stream.seed([makeEvent(1)]);
    for (const id of [3, 4, 5, 6]) stream.push(makeEvent(id));
    expect(ids(delivered)).toEqual([1, 3, 4, 5, 6]);
    expect(requests).toEqual([{ afterId: 1, untilId: null, reason: 'overflow' }]);
    stream.fill([makeEvent(2, { source: 'history' })], { afterId: 1, throughId: 6 });
    expect(ids(delivered)).toEqual([1, 3, 4, 5, 6, 2]);
    expect(stream.stats().overflows).toBe(1);
  });

  it('holds live events until the snapshot sets a baseline, then merges them', () => {
    const { stream, delivered } = setup();
    const shared = makeEvent(3);
    stream.push(shared);
    stream.push(makeEvent(4));
    expect(delivered).toEqual([]);
    stream.seed([makeEvent(2), { ...shared, provenance: { transport: 'history', receivedAt: 0 } }]);
    expect(ids(delivered)).toEqual([2, 3, 4]);
    expect(delivered[1]?.provenance.transport).toBe('realtime');
  });

  it('does not ask for fills before it has a baseline', () => {
    const { stream, requests } = setup();
    stream.requestFill('reconnect');
    stream.push(makeEvent(5));
    vi.advanceTimersByTime(1_000);
    expect(requests).toEqual([]);
  });
});
