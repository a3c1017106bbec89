import type { MonitoringEvent, TransportKind } from '../../lib/monitoring/model.js';
import { parseEnvelope } from '../../lib/monitoring/parse-envelope.js';
import { sampleEnvelope } from '../../test-support/monitoring/sample-rows.js';
import { analyzeObserver, indexSources, type EvidenceCounts, type ObserverInfo, type SourceEvent, type SourceIndex } from '../../lib/validation/engine/analyze.js';
import type { ObservedSample } from '../../lib/validation/engine/compare.js';
import { eventDigest } from '../../lib/validation/engine/digest.js';
import type { Lane, SampleBatch } from '../../contracts/samples.js';
import { createSampler, type Sampler } from '../../lib/validation/engine/sampler.js';

/**
 * A virtual-time parallel run with natural churn: 50 seats (users), each a dashboard tab
 * that joins, leaves and switches cohort every few minutes, whose lanes reconnect (legacy
 * with a resume replay), hide, and close between two deliveries. Every delivery goes
 * through the real sampler; every report through the samples API's storage rules; every
 * minute through the real comparison engine. A healthy Realtime must show 0 discrepancies;
 * the same run with a real delivery fault must show it.
 */
export interface ChurnOptions {
  seats: number;
  minutes: number;
  eventsPerSecond: number;
  /** Share of Realtime deliveries dropped (the fault): 0 for the false-discrepancy run. */
  realtimeDrop: number;
  seed: number;
}

export interface ChurnResult {
  events: number;
  observers: number;
  compared: number;
  /** Realtime's faults (mismatch + missing_candidate). */
  discrepancies: number;
  /** Anything else a healthy run must not show: legacy faults, reports contradicting the source. */
  otherFlags: number;
  dropped: number;
  lanesDown: number;
  hides: number;
  switches: number;
  closedMidDelivery: number;
}

/** mulberry32: small, seeded, good enough for a workload. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Task = { at: number; order: number; run: () => void | Promise<void> };

/** A binary min-heap of tasks by time (then insertion order). */
class Agenda {
  private heap: Task[] = [];
  private counter = 0;
  add(at: number, run: Task['run']) {
    const task = { at, order: this.counter++, run };
    const h = this.heap;
    h.push(task);
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (this.less(h[p] as Task, task)) break;
      h[i] = h[p] as Task;
      h[p] = task;
      i = p;
    }
  }
  pop(): Task | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l] as Task, h[m] as Task)) m = l;
        if (r < h.length && this.less(h[r] as Task, h[m] as Task)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m] as Task, h[i] as Task];
        i = m;
      }
    }
    return top;
  }
  private less(a: Task, b: Task) {
    return a.at < b.at || (a.at === b.at && a.order < b.order);
  }
}

interface Seat {
  sampler: Sampler | null;
  observer: string;
  lanes: Array<{ transport: TransportKind; lane: Lane; live: boolean; downAt: number | null; session: number }>;
  epoch: number;
}

export async function runChurn(options: ChurnOptions): Promise<ChurnResult> {
  const random = prng(options.seed);
  const uniform = (a: number, b: number) => a + random() * (b - a);
  const exp = (mean: number) => -Math.log(1 - random()) * mean;
  const start = 1_800_000_000_000;
  let now = start;
  const end = start + options.minutes * 60_000;
  const agenda = new Agenda();
  const events: MonitoringEvent[] = [];
  const sources = new Map<string, SourceEvent>();
  const store = new Map<string, { info: ObserverInfo; samples: ObservedSample[] }>();
  const result: ChurnResult = { events: 0, observers: 0, compared: 0, discrepancies: 0, otherFlags: 0, dropped: 0, lanesDown: 0, hides: 0, switches: 0, closedMidDelivery: 0 };
  let observerCount = 0;

  /** The samples API's storage rules: closed coverage is final, nothing reaches past the server's clock. */
  const receive = (batch: SampleBatch, arrival: number) => {
    const entry = store.get(batch.observer) ?? { info: { observer: batch.observer, subject: batch.observer, trusted: false, cohort: batch.cohort, browser: batch.browser, seenThroughMs: 0, coverage: [] }, samples: [] };
    entry.info.seenThroughMs = Math.max(entry.info.seenThroughMs, Math.min(batch.seen_through ?? arrival, arrival));
    for (const c of batch.coverage) {
      const known = entry.info.coverage.find((k) => k.transport === c.transport && k.lane === c.lane && k.fromMs === c.from);
      if (!known) entry.info.coverage.push({ transport: c.transport, lane: c.lane, fromMs: c.from, toMs: c.to === null ? null : Math.min(c.to, arrival) });
      else if (known.toMs === null && c.to !== null) known.toMs = Math.min(c.to, arrival);
    }
    for (const s of batch.samples) entry.samples.push({ ...s, observer: batch.observer, cohort: batch.cohort, browser: batch.browser });
    store.set(batch.observer, entry);
  };

  const deliver = (seat: Seat, laneIndex: number, event: MonitoringEvent, replayed: boolean) => {
    const lane = seat.lanes[laneIndex];
    if (!lane || !seat.sampler || !lane.live) return;
    seat.sampler.record({ ...event, provenance: { transport: lane.transport, receivedAt: now, ...(replayed ? { replayed: true } : {}) } } as MonitoringEvent, lane.lane);
  };

  function openObserver(seat: Seat) {
    observerCount += 1;
    seat.epoch += 1;
    const epoch = seat.epoch;
    const cohort = random() < 0.5 ? 'shadow' : 'realtime';
    seat.observer = `sim-${observerCount}`;
    const sampler = createSampler({
      observer: seat.observer,
      cohort,
      browser: 'chrome',
      clockOffsetMs: () => 0,
      errors: () => ({ legacy: 0, realtime: 0 }),
      flushEveryMs: 1e9,
      now: () => now,
      send: async (batch, { final }) => {
        // A keep-alive report from a closing page gets out most of the time, not always.
        if (final && random() < 0.2) throw new Error('lost with the page');
        receive(batch, now + uniform(5, 50));
      },
    });
    seat.sampler = sampler;
    seat.lanes =
      cohort === 'shadow'
        ? [
            { transport: 'legacy', lane: 'primary', live: false, downAt: null, session: 0 },
            { transport: 'realtime', lane: 'shadow', live: false, downAt: null, session: 0 },
          ]
        : [
            { transport: 'realtime', lane: 'primary', live: false, downAt: null, session: 0 },
            { transport: 'legacy', lane: 'shadow', live: false, downAt: null, session: 0 },
          ];
    seat.lanes.forEach((lane, index) => agenda.add(now + uniform(100, 1_500), () => laneUp(seat, index, epoch)));
    const flush = () => {
      if (seat.epoch !== epoch || !seat.sampler) return;
      void seat.sampler.flush();
      agenda.add(now + 2_000, flush);
    };
    agenda.add(now + uniform(0, 2_000), flush);
    // Each lane fails now and then, for 1–10 s.
    seat.lanes.forEach((_, index) => agenda.add(now + exp(5 * 60_000), () => laneFails(seat, index, epoch)));
    agenda.add(now + exp(10 * 60_000), () => hide(seat, epoch));
    agenda.add(now + exp(3 * 60_000), () => void switchOrClose(seat, epoch));
  }

  function laneUp(seat: Seat, index: number, epoch: number) {
    const lane = seat.lanes[index];
    if (seat.epoch !== epoch || !lane || lane.live) return;
    lane.live = true;
    lane.session += 1;
    seat.sampler?.laneLive(lane.transport, lane.lane);
    // Legacy resumes: everything emitted while it was down is replayed first.
    if (lane.transport === 'legacy' && lane.downAt !== null) for (const event of events.filter((e) => e.emittedAt >= (lane.downAt as number))) deliver(seat, index, event, true);
    lane.downAt = null;
  }

  function laneFails(seat: Seat, index: number, epoch: number) {
    const lane = seat.lanes[index];
    if (seat.epoch !== epoch || !lane) return;
    if (lane.live) {
      result.lanesDown += 1;
      lane.live = false;
      lane.downAt = now;
      seat.sampler?.laneDown(lane.transport, lane.lane);
      agenda.add(now + uniform(1_000, 10_000), () => laneUp(seat, index, epoch));
    }
    agenda.add(now + exp(5 * 60_000), () => laneFails(seat, index, epoch));
  }

  function hide(seat: Seat, epoch: number) {
    if (seat.epoch !== epoch || !seat.sampler) return;
    result.hides += 1;
    seat.sampler.setVisible(false);
    agenda.add(now + uniform(5_000, 60_000), () => {
      if (seat.epoch === epoch) seat.sampler?.setVisible(true);
    });
    agenda.add(now + exp(10 * 60_000), () => hide(seat, epoch));
  }

  async function switchOrClose(seat: Seat, epoch: number) {
    if (seat.epoch !== epoch || !seat.sampler) return;
    const sampler = seat.sampler;
    seat.sampler = null;
    seat.epoch += 1;
    if (random() < 0.5) {
      // A cohort switch or an unmount: the observer reports its last and ends.
      result.switches += 1;
      await sampler.stop();
    } else {
      // The tab is closed, typically with deliveries in flight on one lane but not the other.
      result.closedMidDelivery += 1;
      await sampler.abandon();
    }
    agenda.add(now + uniform(0, 5_000), () => openObserver(seat));
  }

  // The ingest side: a row every 1/rate s, delivered to every live lane after its transport's latency.
  const seats: Seat[] = Array.from({ length: options.seats }, () => ({ sampler: null, observer: '', lanes: [], epoch: 0 }));
  const emit = () => {
    const id = events.length + 1;
    const parsed = parseEnvelope({ ...sampleEnvelope('cache_metrics', id), emitted_at: new Date(now).toISOString() }, { transport: 'history', receivedAt: now });
    if (!parsed.ok) throw new Error(parsed.reason);
    const event = parsed.event;
    events.push(event);
    sources.set(event.eventId, { eventId: event.eventId, stream: 'cache_metrics', id, emittedMs: Math.floor(event.emittedAt), digest: eventDigest(event) });
    const dropped = random() < options.realtimeDrop;
    if (dropped) result.dropped += 1;
    for (const seat of seats) {
      seat.lanes.forEach((lane, index) => {
        if (!lane.live || (lane.transport === 'realtime' && dropped)) return;
        const latency = lane.transport === 'legacy' ? uniform(5, 80) : random() < 0.01 ? uniform(500, 2_000) : uniform(3, 50);
        const epoch = seat.epoch;
        const session = lane.session;
        agenda.add(now + latency, () => {
          // Only the session that was live when it was sent delivers it.
          if (seat.epoch === epoch && lane.live && lane.session === session) deliver(seat, index, event, false);
        });
      });
    }
    if (now + 1_000 / options.eventsPerSecond < end) agenda.add(now + 1_000 / options.eventsPerSecond, emit);
  };
  for (const seat of seats) agenda.add(start + uniform(0, 30_000), () => openObserver(seat));
  agenda.add(start, emit);

  for (let task = agenda.pop(); task && task.at <= end + 30_000; task = agenda.pop()) {
    now = Math.max(now, task.at);
    await task.run();
  }
  for (const seat of seats) await seat.sampler?.stop();
  result.events = events.length;
  result.observers = observerCount;

  // Judge every observer against the stored rows, minute by minute, as the worker does.
  const minutes = new Map<number, SourceEvent[]>();
  for (const source of sources.values()) {
    const minute = Math.floor(source.emittedMs / 60_000) * 60_000;
    const list = minutes.get(minute);
    if (list) list.push(source);
    else minutes.set(minute, [source]);
  }
  const byMinute = new Map<number, SourceIndex>([...minutes].map(([minute, list]) => [minute, indexSources(list)]));
  const add = (counts: EvidenceCounts) => {
    result.compared += counts.compared;
    result.discrepancies += counts.discrepancies;
    result.otherFlags += counts.missingControl + counts.controlMismatch + counts.observerDisagrees + counts.unknownEvents;
  };
  for (const { info, samples } of store.values()) {
    const perMinute = new Map<number, ObservedSample[]>();
    for (const sample of samples) {
      const minute = Math.floor(sample.emitted_at / 60_000) * 60_000;
      const list = perMinute.get(minute);
      if (list) list.push(sample);
      else perMinute.set(minute, [sample]);
    }
    for (const [minute, minuteSources] of byMinute) add(analyzeObserver(info, perMinute.get(minute) ?? [], minuteSources, { graceMs: 10_000, settleMs: 2_000, legacyPublishing: () => true }).counts);
  }
  return result;
}
