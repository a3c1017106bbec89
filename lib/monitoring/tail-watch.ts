import { STREAMS, type Stream } from '@/lib/monitoring/model';

/**
 * Supabase Realtime does not guarantee delivery, and an id-gap detector only sees a hole once
 * a later row arrives: a loss at the tail (the last rows before a lull) stays invisible. So a
 * stream quiet for `quietMs` asks history for anything after its last delivered id, and again
 * every `quietMs` while the lull lasts (an empty answer costs one small request).
 */
export interface TailWatch {
  /** The stream delivered something: its quiet clock restarts. */
  touch(stream: Stream): void;
  dispose(): void;
}

/**
 * `touch` runs for every delivered event, so it only notes the time: re-arming a timer per
 * event (a clearTimeout and a setTimeout, each a trip into the browser's timer queue) was a
 * measurable share of the page's main thread at 100 events/s. One timer per stream instead
 * wakes at the earliest moment the stream could have been quiet for `quietMs`, and sleeps
 * again for the rest when it was touched meanwhile.
 */
export function createTailWatch(quietMs: number, probe: (stream: Stream) => void): TailWatch {
  const timers = new Map<Stream, ReturnType<typeof setTimeout>>();
  const touchedAt = new Map<Stream, number>();
  let disposed = false;
  const wake = (stream: Stream, delayMs: number) => {
    timers.set(
      stream,
      setTimeout(() => {
        if (disposed) return;
        const quiet = Date.now() - (touchedAt.get(stream) ?? 0);
        if (quiet < quietMs) return wake(stream, quietMs - quiet);
        probe(stream);
        // Again every `quietMs` while the lull lasts.
        touchedAt.set(stream, Date.now());
        wake(stream, quietMs);
      }, delayMs),
    );
  };
  if (Number.isFinite(quietMs)) {
    for (const stream of STREAMS) {
      touchedAt.set(stream, Date.now());
      wake(stream, quietMs);
    }
  }
  return {
    touch(stream) {
      touchedAt.set(stream, Date.now());
    },
    dispose() {
      disposed = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
