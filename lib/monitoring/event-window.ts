import type { MonitoringEvent } from '@/lib/monitoring/model';

/** The newest `capacity` events of one stream, kept sorted by id whatever order they arrive in. */
export interface EventWindow<E extends MonitoringEvent> {
  /** Inserts in id order; false for an id already present or older than everything retained. */
  insert(event: E): boolean;
  /** A copy of the retained events, ascending by id. */
  toArray(): E[];
  size(): number;
}

export function createEventWindow<E extends MonitoringEvent>(capacity: number): EventWindow<E> {
  if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`monitoring: event window capacity must be a positive integer, got ${capacity}`);
  let events: E[] = [];
  // Trimming in chunks keeps inserts amortized O(1) at the tail.
  const slack = Math.max(16, Math.floor(capacity / 8));

  return {
    insert(event) {
      const tail = events.at(-1);
      if (!tail || event.id > tail.id) events.push(event);
      else {
        const index = lowerBound(events, event.id);
        if (events[index]?.id === event.id) return false;
        if (index === 0 && events.length >= capacity) return false;
        events.splice(index, 0, event);
      }
      if (events.length > capacity + slack) events = events.slice(-capacity);
      return true;
    },
    toArray: () => events.slice(-capacity),
    size: () => Math.min(events.length, capacity),
  };
}

function lowerBound(events: readonly MonitoringEvent[], id: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((events[mid] as MonitoringEvent).id < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
