const BUCKETS = 10;

/**
 * Counts events over a sliding window split into ten buckets; `hit()` reports whether the
 * average rate over the window exceeds `perSecond`. The over-limit hit is not counted, so a
 * refused caller does not extend its own penalty.
 */
export class RollingRate {
  private readonly counts = new Array<number>(BUCKETS).fill(0);
  private readonly bucketMs: number;
  private readonly capacity: number;
  private total = 0;
  private current = 0;
  private currentStart = 0;

  constructor(perSecond: number, windowMs: number, private readonly now: () => number = Date.now) {
    this.bucketMs = Math.max(1, windowMs / BUCKETS);
    this.capacity = (perSecond * windowMs) / 1000;
  }

  /** Records `n` events; returns true (and records nothing) when that would exceed the rate. */
  hit(n = 1): boolean {
    this.advance();
    if (this.total + n > this.capacity) return true;
    this.counts[this.current] = (this.counts[this.current] ?? 0) + n;
    this.total += n;
    return false;
  }

  /** Records events without limiting (for throughput statistics). */
  record(n = 1): void {
    this.advance();
    this.counts[this.current] = (this.counts[this.current] ?? 0) + n;
    this.total += n;
  }

  /** Whether what was recorded over the window already exceeds the rate (upstream's `limit.triggered`). */
  over(): boolean {
    this.advance();
    return this.total > this.capacity;
  }

  /** Whether `hit(n)` would refuse now (nothing recorded). */
  wouldExceed(n = 1): boolean {
    this.advance();
    return this.total + n > this.capacity;
  }

  /** Average events per second over the window. */
  perSecond(): number {
    this.advance();
    return (this.total * 1000) / (this.bucketMs * BUCKETS);
  }

  private advance(): void {
    const now = this.now();
    if (this.currentStart === 0) this.currentStart = now;
    let steps = Math.floor((now - this.currentStart) / this.bucketMs);
    if (steps <= 0) return;
    this.currentStart += steps * this.bucketMs;
    if (steps > BUCKETS) steps = BUCKETS;
    for (let i = 0; i < steps; i += 1) {
      this.current = (this.current + 1) % BUCKETS;
      this.total -= this.counts[this.current] ?? 0;
      this.counts[this.current] = 0;
    }
  }
}
