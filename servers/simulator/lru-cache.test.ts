import { describe, expect, it } from 'vitest';
import { createLruCache } from './lru-cache.js';

describe('lru cache', () => {
  it('evicts the least recently used entry first, where a hit counts as a use', () => {
    const cache = createLruCache<string, number>(300);
    cache.set('a', 1, 100);
    cache.set('b', 2, 100);
    cache.set('c', 3, 100);
    expect(cache.get('a')).toBe(1);
    cache.set('d', 4, 100);
    expect(cache.keys()).toEqual(['c', 'a', 'd']);
    expect(cache.get('b')).toBeUndefined();
    cache.set('e', 5, 150);
    expect(cache.keys()).toEqual(['d', 'e']);
  });

  it('accounts bytes for inserts, overwrites and deletes', () => {
    const cache = createLruCache<string, string>(1000);
    cache.set('a', 'x', 120);
    cache.set('b', 'y', 80);
    expect(cache.counters()).toMatchObject({ keys: 2, bytes: 200 });
    cache.set('a', 'z', 300);
    expect(cache.counters()).toMatchObject({ keys: 2, bytes: 380 });
    expect(cache.delete('b')).toBe(true);
    expect(cache.delete('b')).toBe(false);
    expect(cache.counters()).toMatchObject({ keys: 1, bytes: 300, evictions: 0 });
  });

  it('counts hits, misses, evictions and evicted bytes', () => {
    const cache = createLruCache<number, number>(250);
    for (let key = 0; key < 5; key++) cache.set(key, key, 100);
    cache.get(4);
    cache.get(3);
    cache.get(0);
    cache.get(42);
    expect(cache.counters()).toEqual({ hits: 2, misses: 2, evictions: 3, evictedBytes: 300, flushes: 0, keys: 2, bytes: 200, capacityBytes: 250 });
  });

  it('evicts right away when shrunk, and counts it', () => {
    const cache = createLruCache<number, number>(1000);
    for (let key = 0; key < 10; key++) cache.set(key, key, 100);
    cache.resize(300);
    expect(cache.keys()).toEqual([7, 8, 9]);
    expect(cache.counters()).toMatchObject({ evictions: 7, evictedBytes: 700, bytes: 300, capacityBytes: 300 });
  });

  it('empties on flush without counting evictions', () => {
    const cache = createLruCache<number, number>(1000);
    for (let key = 0; key < 5; key++) cache.set(key, key, 100);
    cache.flush();
    expect(cache.counters()).toMatchObject({ keys: 0, bytes: 0, evictions: 0, flushes: 1 });
    expect(cache.get(1)).toBeUndefined();
  });

  it('does not admit an entry larger than the whole cache', () => {
    const cache = createLruCache<string, number>(100);
    cache.set('small', 1, 60);
    cache.set('huge', 2, 101);
    expect(cache.keys()).toEqual(['small']);
    expect(cache.counters()).toMatchObject({ evictions: 0, bytes: 60 });
  });

  it('never holds more bytes than its capacity under churn', () => {
    const cache = createLruCache<number, number>(10_000);
    for (let i = 0; i < 5_000; i++) {
      cache.set(i % 700, i, 50 + ((i * 37) % 200));
      expect(cache.counters().bytes).toBeLessThanOrEqual(10_000);
    }
    const { keys, bytes } = cache.counters();
    expect(keys).toBe(cache.keys().length);
    expect(bytes).toBeGreaterThan(9_000);
  });
});
