import { STREAMS, type Envelope, type Stream } from '../../contracts/envelope.js';
import type { FeedCounters } from './feed-counters.js';
import type { PublishResult } from './publish-endpoint.js';
import { encodeEvent, encodeEvents, encodeFrame } from './server-frames.js';
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
  /**
   * Acks, then per stream: a gap if any, the replay after `resume[stream]` (`event` frames),
   * then live events — one `events` frame per publish (of the streams it holds) when `batch`,
   * else one `event` frame each. A later subscribe of the same subscriber sets `batch` for all its streams.
   */
  subscribe(subscriber: Subscriber, streams: Stream[], resume: Partial<Record<Stream, number>> | undefined, batch?: boolean): void;
  unsubscribe(subscriber: Subscriber, streams: Stream[]): void;
  subscriberCount(stream: Stream): number;
  ring(stream: Stream): StreamRing;
  /** Fraction (0..1) of event deliveries to drop, for fault-injection tests. */
  setDropRate(rate: number): void;
}

/**
 * Per-stream rings and subscriber sets. Each event is serialized once, at publish, and
 * the same bytes go to every subscriber and to later replays; a batch frame reuses them
 * (encodeEvents), built once per publish and set of subscribed streams.
 * Delivery follows arrival.
 */
export function createFeedHub(options: { ringSize: number; replayBudgetBytes: number; counters: FeedCounters }): FeedHub {
  const { counters } = options;
  const rings = Object.fromEntries(STREAMS.map((stream) => [stream, createStreamRing(options.ringSize)])) as Record<Stream, StreamRing>;
  const subscribers = Object.fromEntries(STREAMS.map((stream) => [stream, new Set<Subscriber>()])) as Record<Stream, Set<Subscriber>>;
  /** Subscribers that asked for `events` frames (subscribe `batch: true`). */
  const batching = new WeakSet<Subscriber>();
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
      const corked = new Set<Subscriber>();
      if (envelopes.length > 1) for (const stream of new Set(envelopes.map((item) => item.stream))) for (const subscriber of subscribers[stream]) corked.add(subscriber);
      for (const subscriber of corked) subscriber.cork();
      const fresh: FreshEvent[] = [];
      let batchers = false;
      try {
        for (const envelope of envelopes) {
          const frame = encodeEvent(envelope);
          if (!rings[envelope.stream].insert({ envelope, frame })) continue;
          fresh.push({ stream: envelope.stream, frame });
          for (const subscriber of subscribers[envelope.stream]) {
            // A drop fault is per event: batching subscribers get single frames while it is on.
            if (batching.has(subscriber) && dropRate === 0) batchers = true;
            else deliver(subscriber, frame);
          }
        }
        if (batchers) counters.sent += sendBatches(fresh, subscribers, batching);
      } finally {
        for (const subscriber of corked) subscriber.uncork();
      }
      counters.published += fresh.length;
      counters.duplicates += envelopes.length - fresh.length;
      return { accepted: fresh.length, duplicates: envelopes.length - fresh.length };
    },

    subscribe(subscriber, streams, resume, batch = false) {
      if (batch) batching.add(subscriber);
      else batching.delete(subscriber);
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

type FreshEvent = { stream: Stream; frame: Buffer };

/**
 * One `events` frame of a publish for each batching subscriber, built once per set of
 * subscribed streams (≤ 3), in publish order. Returns the events delivered.
 */
function sendBatches(fresh: readonly FreshEvent[], subscribers: Record<Stream, Set<Subscriber>>, batching: WeakSet<Subscriber>): number {
  const frames = new Map<string, { frame: Buffer; events: number }>();
  const reached = new Set<Subscriber>();
  let sent = 0;
  for (const stream of new Set(fresh.map((item) => item.stream))) for (const subscriber of subscribers[stream]) if (batching.has(subscriber)) reached.add(subscriber);
  for (const subscriber of reached) {
    const streams = STREAMS.filter((stream) => subscribers[stream].has(subscriber));
    const key = streams.join(',');
    let built = frames.get(key);
    if (built === undefined) {
      // Never empty: the subscriber was reached through a stream of this publish.
      const own = fresh.filter((item) => streams.includes(item.stream)).map((item) => item.frame);
      built = { frame: own.length === 1 ? own[0]! : encodeEvents(own), events: own.length };
      frames.set(key, built);
    }
    if (subscriber.send(built.frame)) sent += built.events;
  }
  return sent;
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
