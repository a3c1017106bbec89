import type { FeedLimits } from '@/lib/monitoring/feed-limits';
import { createGapFiller } from '@/lib/monitoring/gap-filler';
import type { HistoryClient } from '@/lib/monitoring/history-client';
import { STREAMS, type MonitoringEvent, type Stream } from '@/lib/monitoring/model';
import { createOrderedStream, type FillReason, type OrderedStream } from '@/lib/monitoring/ordered-stream';
import { createTailWatch } from '@/lib/monitoring/tail-watch';
import { decideRetry, type RetryPolicy } from '@/lib/monitoring/retry-policy';
import { failure } from '@/lib/monitoring/transport-failure';

export interface FeedStreamsOptions {
  history: HistoryClient;
  limits: FeedLimits;
  retry: RetryPolicy;
  random?: () => number;
  /** Ordered (or late) events; `fromSnapshot` for the baseline rows. */
  onDeliver(stream: Stream, events: MonitoringEvent[], fromSnapshot: boolean): void;
  onFillStart(): void;
  onFillDone(ok: boolean): void;
}

/** Both ordered streams with their history plumbing: snapshot baselines, gap and reconnect fills. */
export interface FeedStreams {
  push(event: MonitoringEvent): void;
  /** Baseline rows (the initial snapshot). */
  seed(stream: Stream, events: MonitoringEvent[]): void;
  /** A session reached live: fill every stream from its last delivered id (or fetch its snapshot). */
  catchUp(): void;
  requestFill(stream: Stream, reason: FillReason, untilId: number | null): void;
  /** Per stream, the highest id delivered (what a resuming transport asks after). */
  resumeFrom(): Partial<Record<Stream, number>>;
  dispose(): void;
}

export function createFeedStreams(options: FeedStreamsOptions): FeedStreams {
  const { limits } = options;
  const snapshotting = new Set<Stream>();
  let seeding = false;
  let disposed = false;

  const filler = createGapFiller({
    history: options.history,
    retry: options.retry,
    random: options.random,
    onStart: options.onFillStart,
    onDone: ({ ok }) => options.onFillDone(ok),
  });

  // Checked only once a stream has a baseline (requestFill is a no-op before).
  const tail = createTailWatch(limits.tailCheckMs, (stream) => streams[stream].requestFill('tail'));
  const streams = Object.fromEntries(
    STREAMS.map((stream) => {
      const ordered: OrderedStream<MonitoringEvent> = createOrderedStream<MonitoringEvent>({
        windowMs: limits.reorderWindowMs,
        maxBuffer: limits.maxHeld,
        dedupeSize: limits.dedupeSize,
        onDeliver: (events) => {
          tail.touch(stream);
          options.onDeliver(stream, events, seeding);
        },
        onFillRequest: (request) => filler.fill(stream, ordered, request),
      });
      return [stream, ordered];
    }),
  ) as Record<Stream, OrderedStream<MonitoringEvent>>;

  function seed(stream: Stream, events: MonitoringEvent[]) {
    seeding = true;
    try {
      streams[stream].seed(events);
    } finally {
      seeding = false;
    }
  }

  /** First live of a stream without a snapshot: the newest rows become its baseline. */
  function fetchSnapshot(stream: Stream, attempt = 1) {
    if (snapshotting.has(stream) && attempt === 1) return;
    snapshotting.add(stream);
    options.history.latest(stream, limits.perStream).then(
      (events) => {
        snapshotting.delete(stream);
        if (!disposed) seed(stream, events);
      },
      (error: unknown) => {
        const decision = decideRetry(options.retry, failure('server_error', error instanceof Error ? error.message : String(error)), attempt, options.random);
        if (!decision.retry || disposed) return void snapshotting.delete(stream);
        setTimeout(() => !disposed && fetchSnapshot(stream, attempt + 1), decision.delayMs);
      },
    );
  }

  return {
    push: (event) => streams[event.stream].push(event),
    seed,
    catchUp() {
      for (const stream of STREAMS) {
        if (streams[stream].lastDeliveredId() === null) fetchSnapshot(stream);
        else streams[stream].requestFill('reconnect');
      }
    },
    requestFill: (stream, reason, untilId) => streams[stream].requestFill(reason, untilId),
    resumeFrom() {
      const resume: Partial<Record<Stream, number>> = {};
      for (const stream of STREAMS) {
        const last = streams[stream].lastDeliveredId();
        if (last !== null) resume[stream] = last;
      }
      return resume;
    },
    dispose() {
      disposed = true;
      tail.dispose();
      filler.dispose();
      for (const stream of STREAMS) streams[stream].dispose();
    },
  };
}
