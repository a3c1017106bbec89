import { describe, expect, it } from 'vitest';
import { envelope } from '../../test-support/legacy-ws/feed.js';
import { encodeEvent } from './server-frames.js';
import { createStreamRing } from './stream-ring.js';

const entry = (id: number) => {
  const item = envelope('cache_metrics', id);
  return { envelope: item, frame: encodeEvent(item) };
};
const ids = (plan: { entries: Array<{ envelope: { id: number } }> }) => plan.entries.map((item) => item.envelope.id);

describe('stream ring', () => {
  it('keeps entries in id order whatever the arrival order', () => {
    const ring = createStreamRing(10);
    for (const id of [1, 3, 2, 6, 4, 5]) ring.insert(entry(id));
    expect(ids(ring.resumeAfter(0))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(ids(ring.resumeAfter(3))).toEqual([4, 5, 6]);
    expect(ring.lastId()).toBe(6);
  });

  it('rejects a repeated event_id or id', () => {
    const ring = createStreamRing(10);
    const first = entry(1);
    expect(ring.insert(first)).toBe(true);
    expect(ring.insert(first)).toBe(false);
    expect(ring.insert(entry(1))).toBe(false);
    expect(ring.size()).toBe(1);
  });

  it('evicts the lowest ids and reports them as a gap to anyone behind', () => {
    const ring = createStreamRing(3);
    for (let id = 1; id <= 5; id += 1) ring.insert(entry(id));
    expect(ring.resumeAfter(1)).toMatchObject({ gap: { from: 2, to: 2, reason: 'evicted' } });
    expect(ids(ring.resumeAfter(1))).toEqual([3, 4, 5]);
    expect(ring.resumeAfter(2).gap).toBeNull();
  });

  it('treats a late arrival older than a full ring as evicted at once', () => {
    const ring = createStreamRing(3);
    for (const id of [5, 6, 7]) ring.insert(entry(id));
    expect(ring.insert(entry(2))).toBe(true);
    expect(ids(ring.resumeAfter(0))).toEqual([5, 6, 7]);
    expect(ring.resumeAfter(0).gap).toEqual({ from: 1, to: 4, reason: 'evicted' });
  });

  it('reports ids from before the first one it saw as a restarted gap', () => {
    const ring = createStreamRing(10);
    expect(ring.resumeAfter(7).gap).toEqual({ from: 8, reason: 'restarted' });
    ring.insert(entry(20));
    expect(ring.resumeAfter(7).gap).toEqual({ from: 8, to: 19, reason: 'restarted' });
    expect(ring.resumeAfter(19).gap).toBeNull();
    // A late, lower id is still replayed, but the gap stays conservative (clients dedupe by id).
    ring.insert(entry(15));
    expect(ring.resumeAfter(7)).toMatchObject({ gap: { from: 8, to: 19, reason: 'restarted' } });
    expect(ids(ring.resumeAfter(7))).toEqual([15, 20]);
  });
});
