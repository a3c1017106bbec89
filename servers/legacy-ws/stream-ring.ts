import type { Envelope } from '../../contracts/envelope.js';
import type { GapReason } from './server-frames.js';

/** A retained envelope with its event frame, serialized once at publish. */
export interface RingEntry {
  envelope: Envelope;
  frame: Buffer;
}

export interface ResumePlan {
  /**
   * Ids after `lastId` this ring cannot vouch for (evicted, or from before the first id it
   * received). Conservative: it may cover ids that are also replayed or never existed.
   */
  gap: { from: number; to?: number; reason: GapReason } | null;
  /** Retained entries with id > lastId, in id order. */
  entries: RingEntry[];
}

/**
 * The last `capacity` envelopes of one stream, ordered by id although they may arrive out
 * of order, deduplicated by event_id (and id). A circular array: inserts land at or near
 * the tail, evictions drop the lowest id.
 */
export interface StreamRing {
  /** False when the envelope is a duplicate (same event_id or same id already retained). */
  insert(entry: RingEntry): boolean;
  resumeAfter(lastId: number): ResumePlan;
  /** Highest id ever received, or null before the first. */
  lastId(): number | null;
  size(): number;
}

export function createStreamRing(capacity: number): StreamRing {
  if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`legacy-ws: ring capacity must be a positive integer, got ${capacity}`);
  const slots: Array<RingEntry | undefined> = new Array(capacity);
  const eventIds = new Set<string>();
  let head = 0;
  let size = 0;
  let highest: number | null = null;
  /** One below the first id received: the server cannot vouch for anything up to it (conservative; never lowered). */
  let startFloor: number | null = null;
  let evictedUpTo: number | null = null;

  const at = (index: number) => slots[(head + index) % capacity] as RingEntry;
  const idAt = (index: number) => at(index).envelope.id;
  /** Number of retained entries with id <= `id` (binary search). */
  const countUpTo = (id: number) => {
    let lo = 0;
    let hi = size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (idAt(mid) <= id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  return {
    insert(entry) {
      const { id, event_id: eventId } = entry.envelope;
      if (eventIds.has(eventId)) return false;
      let position = size > 0 && idAt(size - 1) < id ? size : countUpTo(id);
      if (position > 0 && idAt(position - 1) === id) return false;
      highest = highest === null ? id : Math.max(highest, id);
      startFloor ??= id - 1;
      if (size === capacity) {
        if (position === 0) {
          // Older than everything retained: delivered live by the caller, never retained.
          evictedUpTo = Math.max(evictedUpTo ?? id, id);
          return true;
        }
        const oldest = at(0);
        eventIds.delete(oldest.envelope.event_id);
        evictedUpTo = Math.max(evictedUpTo ?? oldest.envelope.id, oldest.envelope.id);
        slots[head] = undefined;
        head = (head + 1) % capacity;
        size -= 1;
        position -= 1;
      }
      for (let index = size; index > position; index -= 1) slots[(head + index) % capacity] = at(index - 1);
      slots[(head + position) % capacity] = entry;
      size += 1;
      eventIds.add(eventId);
      return true;
    },

    resumeAfter(lastId) {
      const entries: RingEntry[] = [];
      for (let index = countUpTo(lastId); index < size; index += 1) entries.push(at(index));
      if (startFloor === null) return { gap: { from: lastId + 1, reason: 'restarted' }, entries };
      const horizon = Math.max(evictedUpTo ?? -1, startFloor);
      if (lastId >= horizon) return { gap: null, entries };
      return { gap: { from: lastId + 1, to: horizon, reason: evictedUpTo === null ? 'restarted' : 'evicted' }, entries };
    },

    lastId: () => highest,
    size: () => size,
  };
}
