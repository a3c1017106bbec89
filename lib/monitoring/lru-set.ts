/** A set of at most `capacity` keys; adding past it forgets the least recently seen key. */
export interface LruSet {
  has(key: string): boolean;
  /** Adds (or refreshes) a key; returns false when it was already present. */
  add(key: string): boolean;
  size(): number;
}

export function createLruSet(capacity: number): LruSet {
  if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`monitoring: LRU capacity must be a positive integer, got ${capacity}`);
  const keys = new Set<string>();
  return {
    has: (key) => keys.has(key),
    add(key) {
      const present = keys.delete(key);
      keys.add(key);
      if (keys.size > capacity) keys.delete(keys.values().next().value as string);
      return !present;
    },
    size: () => keys.size,
  };
}
