/**
 * A FIFO ring buffer of fixed capacity: pushing into a full queue evicts the oldest item
 * (returned count), O(1) per item, so a long outage costs no array shifting.
 */
export class BoundedQueue<T> {
  private readonly items: Array<T | undefined>;
  private head = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`ingest: queue capacity must be a positive integer, got ${capacity}`);
    this.items = new Array<T | undefined>(capacity);
  }

  get length(): number {
    return this.size;
  }

  /** Appends; returns how many of the oldest items were evicted to make room. */
  push(values: readonly T[]): number {
    let evicted = 0;
    for (const value of values) {
      if (this.size === this.capacity) {
        this.head = (this.head + 1) % this.capacity;
        this.size -= 1;
        evicted += 1;
      }
      this.items[(this.head + this.size) % this.capacity] = value;
      this.size += 1;
    }
    return evicted;
  }

  /** Removes and returns up to `max` items from the front. */
  take(max: number): T[] {
    const count = Math.min(max, this.size);
    const out = new Array<T>(count);
    for (let i = 0; i < count; i++) {
      const index = (this.head + i) % this.capacity;
      out[i] = this.items[index] as T;
      this.items[index] = undefined;
    }
    this.head = (this.head + count) % this.capacity;
    this.size -= count;
    return out;
  }
}
