import { createEventWindow, type EventWindow } from '@/lib/monitoring/event-window';
import type { FeedSnapshot } from '@/lib/monitoring/feed-snapshot';
import { STREAMS, type MonitoringEvent, type ProvenanceSource, type Stream } from '@/lib/monitoring/model';

/**
 * What the feed renders: the newest events per stream (sorted by id), counted by the path
 * that brought each first, and copied into a snapshot only for streams that changed.
 */
export interface RenderedEvents {
  /** Adds ordered events; returns the ones that were new. */
  add(stream: Stream, events: readonly MonitoringEvent[]): MonitoringEvent[];
  /** The events for a snapshot: `previous` ones while frozen or unchanged. */
  snapshot(previous: FeedSnapshot['events'] | undefined, frozen: boolean): FeedSnapshot['events'];
  provenance(): Record<ProvenanceSource, number>;
}

export function createRenderedEvents(perStream: number): RenderedEvents {
  const windows = { cache_metrics: createEventWindow(perStream), system_events: createEventWindow(perStream) } as Record<Stream, EventWindow<MonitoringEvent>>;
  const dirty = new Set<Stream>(STREAMS);
  const provenance: Record<ProvenanceSource, number> = { legacy: 0, realtime: 0, history: 0 };

  return {
    add(stream, events) {
      const added = events.filter((event) => windows[stream].insert(event));
      for (const event of added) provenance[event.provenance.transport] += 1;
      if (added.length > 0) dirty.add(stream);
      return added;
    },
    snapshot(previous, frozen) {
      const eventsFor = <S extends Stream>(stream: S) =>
        (previous && (frozen || !dirty.has(stream)) ? previous[stream] : windows[stream].toArray()) as FeedSnapshot['events'][S];
      const events = { cache_metrics: eventsFor('cache_metrics'), system_events: eventsFor('system_events') };
      if (!frozen) dirty.clear();
      return events;
    },
    provenance: () => ({ ...provenance }),
  };
}
