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

export function createTailWatch(quietMs: number, probe: (stream: Stream) => void): TailWatch {
  const timers = new Map<Stream, ReturnType<typeof setTimeout>>();
  let disposed = false;
  const arm = (stream: Stream) => {
    clearTimeout(timers.get(stream));
    if (disposed || !Number.isFinite(quietMs)) return;
    timers.set(
      stream,
      setTimeout(() => {
        probe(stream);
        arm(stream);
      }, quietMs),
    );
  };
  for (const stream of STREAMS) arm(stream);
  return {
    touch: arm,
    dispose() {
      disposed = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
