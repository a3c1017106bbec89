import { describe, expect, it } from 'vitest';
import { createEventWindow } from '@/lib/monitoring/event-window';
import { ids, makeEvent } from '@/test-support/monitoring/make-events';

describe('event window', () => {
  it('keeps events sorted by id when a late one arrives', () => {
    const window = createEventWindow(10);
    for (const id of [1, 2, 4, 5, 3]) window.insert(makeEvent(id));
    expect(ids(window.toArray())).toEqual([1, 2, 3, 4, 5]);
  });

  it('refuses an id it already holds', () => {
    const window = createEventWindow(10);
    expect(window.insert(makeEvent(1))).toBe(true);
    expect(window.insert(makeEvent(1))).toBe(false);
    expect(window.size()).toBe(1);
  });

  it('keeps only the newest events per its capacity', () => {
    const window = createEventWindow(100);
    for (let id = 1; id <= 5_000; id += 1) window.insert(makeEvent(id));
    const kept = window.toArray();
    expect(kept).toHaveLength(100);
    expect(kept[0]?.id).toBe(4_901);
    expect(window.insert(makeEvent(10))).toBe(false);
  });
});
