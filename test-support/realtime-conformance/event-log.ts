/** Default bound for waiting on something that should happen promptly over loopback. */
export const DEFAULT_WAIT_MS = 5_000;

interface Waiter<T> {
  matches: (items: readonly T[]) => boolean;
  resolve: () => void;
}

/**
 * An append-only record of things a callback received, with bounded waits on it. Tests
 * await conditions on the log (never sleep): `waitFor` resolves as soon as an entry
 * matches, or fails after `timeoutMs` listing what did arrive.
 */
export class EventLog<T> {
  readonly items: T[] = [];
  private waiters = new Set<Waiter<T>>();

  constructor(private readonly label: string) {}

  /** Bound, so it can be handed to a callback as is. */
  readonly push = (item: T): void => {
    this.items.push(item);
    for (const waiter of [...this.waiters]) {
      if (waiter.matches(this.items)) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  };

  /** Current length; pass it as `after` to wait only for entries that arrive later. */
  mark(): number {
    return this.items.length;
  }

  count(predicate: (item: T) => boolean = () => true, after = 0): number {
    return this.items.slice(after).filter(predicate).length;
  }

  filter(predicate: (item: T) => boolean, after = 0): T[] {
    return this.items.slice(after).filter(predicate);
  }

  /** First entry (at index ≥ `after`) matching `predicate`. */
  async waitFor(predicate: (item: T) => boolean, options: WaitOptions = {}): Promise<T> {
    const [first] = await this.waitForCount(predicate, 1, options);
    return first as T;
  }

  /** The first `n` entries (at index ≥ `after`) matching `predicate`. */
  async waitForCount(predicate: (item: T) => boolean, n: number, options: WaitOptions = {}): Promise<T[]> {
    const after = options.after ?? 0;
    const pick = (items: readonly T[]) => items.slice(after).filter(predicate);
    if (pick(this.items).length < n) {
      await this.until((items) => pick(items).length >= n, options, `${n} × ${options.what ?? 'matching entry'}`);
    }
    return pick(this.items).slice(0, n);
  }

  /** The first `n` entries at index ≥ `after`, whatever they are. */
  async collect(n: number, options: WaitOptions = {}): Promise<T[]> {
    return this.waitForCount(() => true, n, options);
  }

  private until(matches: (items: readonly T[]) => boolean, options: WaitOptions, what: string): Promise<void> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const seen = this.items.slice(options.after ?? 0).map(describe).join('\n  ');
        reject(new Error(`conformance: ${this.label}: no ${what} within ${timeoutMs} ms; got ${this.items.length - (options.after ?? 0)}:\n  ${seen}`));
      }, timeoutMs);
      const waiter: Waiter<T> = {
        matches,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.add(waiter);
    });
  }
}

export interface WaitOptions {
  /** Only consider entries at index ≥ after (see `mark()`). */
  after?: number;
  timeoutMs?: number;
  /** Shown in the timeout error. */
  what?: string;
}

function describe(item: unknown): string {
  const text = item instanceof Error ? `${item.name}: ${item.message}` : JSON.stringify(item, (_key, value: unknown) => (value instanceof Error ? value.message : value));
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
