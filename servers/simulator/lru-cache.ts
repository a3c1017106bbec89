/** Cumulative counters of one cache since it was created (a flush empties it but keeps counting). */
export interface LruCounters {
  hits: number;
  misses: number;
  evictions: number;
  evictedBytes: number;
  /** How many times the cache was flushed (restarted empty). */
  flushes: number;
  keys: number;
  bytes: number;
  capacityBytes: number;
}

/**
 * A byte-bounded LRU cache. Recency is the insertion order of a `Map` (a hit re-inserts the
 * entry at the end), so get, set and evicting the least recently used entry are all O(1).
 */
export interface LruCache<K, V> {
  /** Counts a hit or a miss; a hit makes the entry most recently used. */
  get(key: K): V | undefined;
  /** Stores `bytes` worth of entry, evicting least recently used entries until it fits. */
  set(key: K, value: V, bytes: number): void;
  delete(key: K): boolean;
  /** Changes the byte budget; shrinking evicts (and counts) right away. */
  resize(capacityBytes: number): void;
  /** Drops every entry without counting evictions — a restart. */
  flush(): void;
  counters(): LruCounters;
  /** Keys from least to most recently used. */
  keys(): K[];
}

export function createLruCache<K, V>(capacityBytes: number): LruCache<K, V> {
  assertCapacity(capacityBytes);
  const entries = new Map<K, { value: V; bytes: number }>();
  const c: LruCounters = { hits: 0, misses: 0, evictions: 0, evictedBytes: 0, flushes: 0, keys: 0, bytes: 0, capacityBytes };

  const evictUntil = (budget: number) => {
    while (c.bytes > budget) {
      const oldest = entries.entries().next();
      if (oldest.done) break;
      const [key, entry] = oldest.value;
      entries.delete(key);
      c.bytes -= entry.bytes;
      c.evictions += 1;
      c.evictedBytes += entry.bytes;
    }
  };

  return {
    get(key) {
      const entry = entries.get(key);
      if (entry === undefined) {
        c.misses += 1;
        return undefined;
      }
      c.hits += 1;
      entries.delete(key);
      entries.set(key, entry);
      return entry.value;
    },
    set(key, value, bytes) {
      if (!Number.isInteger(bytes) || bytes < 0) throw new Error(`lru-cache: entry size must be a non-negative integer, got ${bytes}`);
      const previous = entries.get(key);
      if (previous) {
        entries.delete(key);
        c.bytes -= previous.bytes;
      }
      // An entry larger than the whole cache is not admitted (it would evict everything and still not fit).
      if (bytes > c.capacityBytes) return;
      evictUntil(c.capacityBytes - bytes);
      entries.set(key, { value, bytes });
      c.bytes += bytes;
    },
    delete(key) {
      const entry = entries.get(key);
      if (!entry) return false;
      entries.delete(key);
      c.bytes -= entry.bytes;
      return true;
    },
    resize(capacity) {
      assertCapacity(capacity);
      c.capacityBytes = capacity;
      evictUntil(capacity);
    },
    flush() {
      entries.clear();
      c.bytes = 0;
      c.flushes += 1;
    },
    counters: () => ({ ...c, keys: entries.size }),
    keys: () => [...entries.keys()],
  };
}

function assertCapacity(capacityBytes: number): void {
  if (!Number.isInteger(capacityBytes) || capacityBytes < 0) throw new Error(`lru-cache: capacity must be a non-negative integer of bytes, got ${capacityBytes}`);
}
