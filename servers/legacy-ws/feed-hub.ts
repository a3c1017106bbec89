import { STREAMS, type Envelope, type Stream } from '../../contracts/envelope.js';
import type { FeedCounters } from './feed-counters.js';
import type { PublishResult } from './publish-endpoint.js';
import { encodeEvent, encodeFrame } from './server-frames.js';
import { createStreamRing, type ResumePlan, type StreamRing } from './stream-ring.js';

/** A client as the hub sees it: something frames can be written to. */
export interface Subscriber {
  /** Writes one frame; false when it was not written (closing, or just closed as too slow). */
  send(frame: Buffer): boolean;
  /** Hold writes until `uncork()`, so a batch leaves in one syscall rather than one per frame. */
  cork(): void;
  uncork(): void;
}

export interface FeedHub {
  publish(envelopes: Envelope[]): PublishResult;
  /** Acks, then per stream: a gap if any, the replay after `resume[stream]`, then live events. */
  subscribe(subscriber: Subscriber, streams: Stream[], resume: Partial<Record<Stream, number>> | undefined): void;
  unsubscribe(subscriber: Subscriber, streams: Stream[]): void;
  subscriberCount(stream: Stream): number;
  ring(stream: Stream): StreamRing;
  /** Fraction (0..1) of event deliveries to drop, for fault-injection tests. */
  setDropRate(rate: number): void;
}

/**
 * Per-stream rings and subscriber sets. Each event is serialized once, at publish, and
 * the same bytes go to every subscriber and to later replays. Delivery follows arrival.
 */
export function createFeedHub(options: { ringSize: number; replayBudgetBytes: number; counters: FeedCounters }): FeedHub {
  const { counters } = options;
  const rings = Object.fromEntries(STREAMS.map((stream) => [stream, createStreamRing(options.ringSize)])) as Record<Stream, StreamRing>;
  const subscribers = Object.fromEntries(STREAMS.map((stream) => [stream, new Set<Subscriber>()])) as Record<Stream, Set<Subscriber>>;
  let dropRate = 0;

  const deliver = (subscriber: Subscriber, frame: Buffer): boolean => {
    if (dropRate > 0 && Math.random() < dropRate) {
      counters.dropped += 1;
      return true;
    }
    if (!subscriber.send(frame)) return false;
    counters.sent += 1;
    return true;
  };

  return {
    publish(envelopes) {
      let accepted = 0;
      const corked = new Set<Subscriber>();
      if (envelopes.length > 1) for (const stream of new Set(envelopes.map((item) => item.stream))) for (const subscriber of subscribers[stream]) corked.add(subscriber);
      for (const subscriber of corked) subscriber.cork();
      try {
        for (const envelope of envelopes) {
          const frame = encodeEvent(envelope);
          if (!rings[envelope.stream].insert({ envelope, frame })) continue;
          accepted += 1;
          for (const subscriber of subscribers[envelope.stream]) deliver(subscriber, frame);
        }
      } finally {
        for (const subscriber of corked) subscriber.uncork();
      }
      counters.published += accepted;
      counters.duplicates += envelopes.length - accepted;
      return { accepted, duplicates: envelopes.length - accepted };
    },

    subscribe(subscriber, streams, resume) {
      const plans = streams.map((stream) => {
        const lastId = resume?.[stream];
        return { stream, plan: lastId === undefined ? null : capReplay(rings[stream].resumeAfter(lastId), lastId, options.replayBudgetBytes) };
      });
      const head = Object.fromEntries(streams.map((stream) => [stream, rings[stream].lastId()]));
      const replay = Object.fromEntries(plans.filter(({ plan }) => plan).map(({ stream, plan }) => [stream, plan?.entries.length ?? 0]));
      subscriber.cork();
      try {
        if (!subscriber.send(encodeFrame({ type: 'subscribed', streams, head, replay }))) return;
        for (const { stream, plan } of plans) {
          if (plan?.gap) {
            counters.gaps += 1;
            if (!subscriber.send(encodeFrame({ type: 'gap', stream, ...plan.gap }))) return;
          }
          for (const entry of plan?.entries ?? []) if (!deliver(subscriber, entry.frame)) return;
          subscribers[stream].add(subscriber);
        }
      } finally {
        subscriber.uncork();
      }
    },

    unsubscribe(subscriber, streams) {
      for (const stream of streams) subscribers[stream].delete(subscriber);
    },
    subscriberCount: (stream) => subscribers[stream].size,
    ring: (stream) => rings[stream],
    setDropRate(rate) {
      if (!(rate >= 0 && rate <= 1)) throw new Error(`legacy-ws: drop rate must be within 0..1, got ${rate}`);
      dropRate = rate;
    },
  };
}

/**
 * A replay larger than the budget would trip the slow-consumer bound by itself (and the
 * client would reconnect into the same wall), so only the newest entries that fit are
 * replayed; the older ones become a `replay_limit` gap for the client to fetch.
 */
function capReplay(plan: ResumePlan, lastId: number, budgetBytes: number): ResumePlan {
  let bytes = 0;
  let keepFrom = plan.entries.length;
  while (keepFrom > 0 && bytes + (plan.entries[keepFrom - 1]?.frame.length ?? 0) <= budgetBytes) {
    keepFrom -= 1;
    bytes += plan.entries[keepFrom]?.frame.length ?? 0;
  }
  if (keepFrom === 0) return plan;
  const lastSkipped = plan.entries[keepFrom - 1]?.envelope.id ?? lastId;
  return { gap: { from: lastId + 1, to: lastSkipped, reason: 'replay_limit' }, entries: plan.entries.slice(keepFrom) };
}
