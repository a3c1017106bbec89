import { createLruSet } from '@/lib/monitoring/lru-set';
import type { MonitoringEvent } from '@/lib/monitoring/model';

/** `tail`: a quiet stream checks for rows lost after its last delivery (tail-watch.ts). */
export type FillReason = 'gap' | 'overflow' | 'reconnect' | 'transport' | 'tail';

/** Ask the history API for rows after `afterId` (through `untilId` when known). */
export interface FillRequest {
  afterId: number;
  untilId: number | null;
  reason: FillReason;
}

export interface OrderedStreamOptions<E extends MonitoringEvent> {
  /** How long a hole in the id sequence may stay open before a gap fill is requested. */
  windowMs: number;
  /** Most events held behind a hole; past it they are released and the hole is filled late. */
  maxBuffer: number;
  /** event_ids remembered for dedupe. */
  dedupeSize: number;
  /** Events released in id order (a late arrival below the last delivered id comes alone). */
  onDeliver(events: E[]): void;
  onFillRequest(request: FillRequest): void;
}

export interface OrderedStreamStats {
  duplicates: number;
  lateArrivals: number;
  gapsDetected: number;
  overflows: number;
}

/**
 * Restores id order for one stream: holds events behind a hole for a short window,
 * drops repeated event_ids, and asks for a history fill when a hole outlives the window or
 * after any reconnect. One fill is in flight at a time; requests made meanwhile are queued.
 */
export interface OrderedStream<E extends MonitoringEvent> {
  /** First rows (snapshot), setting the baseline; the newest id becomes the last delivered. */
  seed(events: E[]): void;
  push(event: E): void;
  /** Asks for a fill from the last delivered id (e.g. after a reconnect). No-op before a baseline. */
  requestFill(reason: FillReason, untilId?: number | null): void;
  /** History rows answering the open request: ids in (afterId, throughId] that are absent do not exist. */
  fill(events: E[], range: { afterId: number; throughId: number }): void;
  /** The open request failed; it may be asked again. */
  fillFailed(): void;
  lastDeliveredId(): number | null;
  /** Events held behind a hole. */
  held(): number;
  fillInFlight(): boolean;
  stats(): OrderedStreamStats;
  dispose(): void;
}

// eslint-disable-next-line max-lines-per-function -- a factory: the ordering window, dedupe set and gap timer are one state its short methods share.
export function createOrderedStream<E extends MonitoringEvent>(options: OrderedStreamOptions<E>): OrderedStream<E> {
  const seen = createLruSet(options.dedupeSize);
  const held = new Map<number, E>();
  const stats: OrderedStreamStats = { duplicates: 0, lateArrivals: 0, gapsDetected: 0, overflows: 0 };
  let last: number | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight = false;
  let queued: FillRequest | null = null;

  const lowestHeld = () => Math.min(...held.keys());

  /** Releases held events up to `throughId` (holes below it are settled), then the consecutive run after it. */
  function release(throughId: number) {
    const out: E[] = [];
    let cursor = Math.max(last ?? 0, throughId);
    for (const id of [...held.keys()].sort((a, b) => a - b)) {
      if (id > cursor + 1) break;
      out.push(held.get(id) as E);
      held.delete(id);
      cursor = Math.max(cursor, id);
    }
    last = cursor;
    if (out.length > 0) {
      // The oldest hole moved: its window starts now.
      clearTimeout(timer);
      timer = undefined;
      options.onDeliver(out);
    }
    armTimer();
  }

  function armTimer() {
    if (held.size === 0 || last === null) {
      clearTimeout(timer);
      timer = undefined;
      return;
    }
    if (timer !== undefined || inFlight) return;
    timer = setTimeout(() => {
      timer = undefined;
      if (held.size === 0 || last === null) return;
      stats.gapsDetected += 1;
      ask({ afterId: last, untilId: lowestHeld() - 1, reason: 'gap' });
    }, options.windowMs);
  }

  function ask(request: FillRequest) {
    if (inFlight) {
      queued = request;
      return;
    }
    inFlight = true;
    clearTimeout(timer);
    timer = undefined;
    options.onFillRequest(request);
  }

  function settle() {
    inFlight = false;
    const next = queued;
    queued = null;
    if (next && last !== null) ask({ ...next, afterId: last });
    else armTimer();
  }

  /** Dedupes and holds `event`; returns it when it is late (at or below the last delivered id). */
  function accept(event: E): E | null {
    if (!seen.add(event.eventId)) {
      stats.duplicates += 1;
      return null;
    }
    if (last !== null && event.id <= last) {
      stats.lateArrivals += 1;
      return event;
    }
    held.set(event.id, event);
    return null;
  }

  function acceptAll(events: E[]) {
    const late = [...events].sort((a, b) => a.id - b.id).flatMap((event) => accept(event) ?? []);
    if (late.length > 0) options.onDeliver(late);
  }

  function overflow() {
    if (held.size <= options.maxBuffer) return;
    stats.overflows += 1;
    const from = last;
    // Memory stays bounded: release what is held and let the fill bring the hole late.
    release(Math.max(...held.keys()));
    if (from !== null) ask({ afterId: from, untilId: null, reason: 'overflow' });
  }

  return {
    seed(events) {
      if (last !== null) {
        acceptAll(events);
        return release(last);
      }
      last = events.reduce((max, event) => Math.max(max, event.id), 0);
      // Live events already held at or below the snapshot's head are part of it.
      const fresh = events.filter((event) => seen.add(event.eventId));
      for (const [id, event] of held) {
        if (id > last) continue;
        fresh.push(event);
        held.delete(id);
      }
      if (fresh.length > 0) options.onDeliver(fresh.sort((a, b) => a.id - b.id));
      release(last);
    },
    push(event) {
      const before = held.size;
      const late = accept(event);
      if (late) return options.onDeliver([late]);
      if (held.size === before) return;
      if (last === null) {
        if (held.size > options.maxBuffer) release(Math.max(...held.keys()));
      } else if (event.id === last + 1) release(last);
      else {
        armTimer();
        overflow();
      }
    },
    requestFill(reason, untilId = null) {
      if (last === null) return;
      ask({ afterId: last, untilId, reason });
    },
    fill(events, range) {
      if (last === null) last = range.afterId;
      acceptAll(events);
      release(Math.max(range.throughId, last));
      settle();
    },
    fillFailed: settle,
    lastDeliveredId: () => last,
    held: () => held.size,
    fillInFlight: () => inFlight,
    stats: () => ({ ...stats }),
    dispose() {
      clearTimeout(timer);
      held.clear();
    },
  };
}
