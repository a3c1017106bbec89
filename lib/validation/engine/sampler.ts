import type { MonitoringEvent, TransportKind } from '@/lib/monitoring/model';
import { eventDigest, eventPayload } from '@/lib/validation/engine/digest';
import type { Coverage, Lane, Sample, SampleBatch } from '@/contracts/samples';
import type { RealtimeStrategy } from '@/contracts/transports';
import { DEFAULT_STRATEGY } from '@/lib/validation/engine/strategy-lane';

export type { Lane } from '@/contracts/samples';

export interface SamplerOptions {
  observer: string;
  cohort: SampleBatch['cohort'];
  browser: SampleBatch['browser'];
  /** The strategy of this observer's Realtime lanes unless a call names another (default postgres_changes). */
  realtimeStrategy?: RealtimeStrategy;
  /** Posts one batch; rejects on failure (the batch is then dropped and counted). */
  send(batch: SampleBatch, options: { final: boolean }): Promise<void>;
  /** Client clock minus server clock (ms), as last measured. */
  clockOffsetMs(): number;
  /** Cumulative transport errors (session failures) seen by this observer; `strategies` splits the Realtime ones (else all count on `realtimeStrategy`). */
  errors(): Record<TransportKind, number> & { strategies?: Partial<Record<RealtimeStrategy, number>> };
  /** Cumulative events the observer got only from the history API (gap fill). */
  historyRecovered?(): number;
  flushEveryMs?: number;
  maxBuffered?: number;
  now?: () => number;
}

const BATCH = 1_000;

type LaneState =
  /** Not connected, or hidden: nothing it delivers is evidence. */
  | { phase: 'down' }
  /** Live since `liveAt` (server clock); coverage starts at its first live delivery. */
  | { phase: 'waiting'; liveAt: number }
  | { phase: 'covering'; liveAt: number; from: number };

/** A lane is a transport's subscription in one role; on Realtime, of one strategy (the probe has two Realtime lanes). */
const laneKey = (transport: TransportKind, lane: Lane, strategy: RealtimeStrategy | undefined) => `${transport}:${lane}:${strategy ?? ''}` as const;

/**
 * Turns every live delivery an observer sees into a validation sample, and tells the
 * server when each lane was live and caught up (its coverage), so that only events both
 * compared lanes were in a position to deliver are compared. Deliveries that are not
 * live — resume replays, history gap fill, anything before a lane's first live delivery
 * after a join or while the tab is hidden — are counted as recovered, never sampled.
 * Lost samples (a failed batch, a full buffer) end the coverage they belonged to.
 */
// eslint-disable-next-line max-lines-per-function -- a factory: the closure holds the per-lane coverage and buffers its short methods share (splitting it would pass that state around).
export function createSampler(options: SamplerOptions) {
  const now = options.now ?? Date.now;
  const serverNow = () => Math.round(now() - options.clockOffsetMs());
  const buffer: Sample[] = [];
  const seqs = new Map<string, number>();
  const seen = new Map<string, { transport: TransportKind; digest: string; payload: Record<string, unknown> }>();
  const lanes = new Map<ReturnType<typeof laneKey>, { transport: TransportKind; lane: Lane; strategy?: RealtimeStrategy; connected: boolean; state: LaneState }>();
  const defaultStrategy = options.realtimeStrategy ?? DEFAULT_STRATEGY;
  const strategyFor = (transport: TransportKind, strategy: RealtimeStrategy | undefined) => (transport === 'realtime' ? (strategy ?? defaultStrategy) : undefined);
  /** Coverage intervals that ended and are not yet acknowledged by the server. */
  let closed: Coverage[] = [];
  let visible = true;
  let lastErrors: ReturnType<SamplerOptions['errors']> = { legacy: 0, realtime: 0 };
  let lastHistory = 0;
  let replayed = 0;
  let dropped = 0;
  let sent = 0;
  let failedBatches = 0;
  let lastError: string | null = null;
  let inflight: Promise<void> | null = null;
  let stopped = false;
  const flushEvery = options.flushEveryMs ?? 2_000;
  const maxBuffered = options.maxBuffered ?? 20_000;

  function laneOf(transport: TransportKind, lane: Lane, requested?: RealtimeStrategy) {
    const strategy = strategyFor(transport, requested);
    const key = laneKey(transport, lane, strategy);
    let entry = lanes.get(key);
    if (!entry) {
      entry = { transport, lane, ...(strategy ? { strategy } : {}), connected: false, state: { phase: 'down' } };
      lanes.set(key, entry);
    }
    return entry;
  }

  /** Ends a lane's coverage at `to` (server clock) and stops counting it as evidence. */
  function endCoverage(entry: ReturnType<typeof laneOf>, to: number) {
    if (entry.state.phase === 'covering' && to >= entry.state.from) closed.push({ transport: entry.transport, lane: entry.lane, ...(entry.strategy ? { strategy: entry.strategy } : {}), from: entry.state.from, to });
    entry.state = { phase: 'down' };
  }

  function resume(entry: ReturnType<typeof laneOf>) {
    if (entry.connected && visible && !stopped) entry.state = { phase: 'waiting', liveAt: serverNow() };
  }

  /** Samples from `fromMs` on were lost: every lane's coverage ends before them and restarts with the next live delivery. */
  function invalidate(fromMs: number) {
    for (const entry of lanes.values()) {
      if (entry.state.phase === 'down') continue;
      endCoverage(entry, fromMs - 1);
      resume(entry);
    }
  }

  function laneLive(transport: TransportKind, lane: Lane, strategy?: RealtimeStrategy): void {
    const entry = laneOf(transport, lane, strategy);
    entry.connected = true;
    resume(entry);
  }

  /**
   * The lane's session ended. If it ended by going quiet, `lastAliveAt` (client clock) is its
   * last sign of life: what it was in a position to deliver ended there — a stalled socket or
   * tab is the observer's silence, not Realtime losing events.
   */
  function laneDown(transport: TransportKind, lane: Lane, lastAliveAt?: number, strategy?: RealtimeStrategy): void {
    const entry = laneOf(transport, lane, strategy);
    entry.connected = false;
    const quietFrom = lastAliveAt === undefined ? Number.POSITIVE_INFINITY : Math.round(lastAliveAt - options.clockOffsetMs());
    endCoverage(entry, Math.min(serverNow(), quietFrom));
  }

  /** Hidden tabs have throttled timers and sockets: their deliveries are no evidence. */
  function setVisible(next: boolean): void {
    if (visible === next) return;
    visible = next;
    for (const entry of lanes.values()) {
      if (next) resume(entry);
      else endCoverage(entry, serverNow());
    }
  }

  function record(event: MonitoringEvent, lane: Lane, strategy?: RealtimeStrategy): void {
    const transport = event.provenance.transport;
    if (transport === 'history' || stopped) return;
    const entry = laneOf(transport, lane, strategy);
    const state = entry.state;
    if (state.phase === 'down') return;
    // A replay, or an event emitted before the lane went live: recovered, not delivered live.
    if (event.provenance.replayed || event.emittedAt < state.liveAt) {
      replayed += 1;
      return;
    }
    if (state.phase === 'waiting') entry.state = { phase: 'covering', liveAt: state.liveAt, from: Math.floor(event.emittedAt) };
    const digest = eventDigest(event);
    const key = `${transport}:${lane}:${entry.strategy ?? ''}:${event.stream}`;
    const seq = seqs.get(key) ?? 0;
    seqs.set(key, seq + 1);
    const sample: Sample = {
      event_id: event.eventId,
      id: event.id,
      stream: event.stream,
      transport,
      lane,
      ...(entry.strategy ? { strategy: entry.strategy } : {}),
      received_at: Math.round(event.provenance.receivedAt - options.clockOffsetMs()),
      emitted_at: Math.round(event.emittedAt),
      digest,
      seq,
    };
    if (lane !== 'baseline') {
      const other = seen.get(event.eventId);
      if (other && other.transport !== transport && other.digest !== digest) {
        sample.payload = eventPayload(event);
        sample.peer_payload = other.payload;
      } else if (!other) {
        seen.set(event.eventId, { transport, digest, payload: eventPayload(event) });
        if (seen.size > 5_000) seen.delete(seen.keys().next().value as string);
      }
    }
    if (buffer.length >= maxBuffered) {
      const lost = buffer.shift() as Sample;
      dropped += 1;
      invalidate(lost.emitted_at);
    }
    buffer.push(sample);
  }

  function openCoverage(): Coverage[] {
    return [...lanes.values()].flatMap((entry) =>
      entry.state.phase === 'covering' ? [{ transport: entry.transport, lane: entry.lane, ...(entry.strategy ? { strategy: entry.strategy } : {}), from: entry.state.from, to: null }] : [],
    );
  }

  /** The Realtime errors since the last batch, per strategy's lane: as counted, else all on the observer's strategy. */
  function strategyErrors(errors: ReturnType<SamplerOptions['errors']>, last: ReturnType<SamplerOptions['errors']>, realtime: number): Partial<Record<RealtimeStrategy, number>> {
    if (!errors.strategies) return { [defaultStrategy]: realtime };
    const split: Partial<Record<RealtimeStrategy, number>> = {};
    for (const [strategy, n] of Object.entries(errors.strategies) as Array<[RealtimeStrategy, number]>) {
      const since = Math.max(0, n - (last.strategies?.[strategy] ?? 0));
      if (since > 0) split[strategy] = since;
    }
    return split;
  }

  function counters() {
    const errors = options.errors();
    const history = options.historyRecovered?.() ?? 0;
    const realtime = Math.max(0, errors.realtime - lastErrors.realtime);
    const delta = {
      errors: { legacy: Math.max(0, errors.legacy - lastErrors.legacy), realtime, ...(realtime > 0 ? { strategies: strategyErrors(errors, lastErrors, realtime) } : {}) },
      recovered: { replay: replayed, history: Math.max(0, history - lastHistory) },
    };
    lastErrors = errors;
    lastHistory = history;
    replayed = 0;
    return delta;
  }

  /** Sends full batches (or, with `all`, everything buffered); a heartbeat batch when nothing else is due. */
  async function drain(all: boolean, final: boolean): Promise<void> {
    let delta = counters();
    do {
      const samples = buffer.splice(0, BATCH);
      // Every delivery up to here is in this batch: the whole buffer, or up to its last sample.
      const seenThrough = buffer.length === 0 ? serverNow() : (samples.at(-1) as Sample).received_at;
      const coverage = [...closed, ...openCoverage()];
      const quiet = samples.length === 0 && coverage.length === 0 && delta.errors.legacy + delta.errors.realtime + delta.recovered.replay + delta.recovered.history === 0;
      if (quiet) break;
      const ending = closed;
      closed = [];
      const batch: SampleBatch = {
        observer: options.observer,
        cohort: options.cohort,
        browser: options.browser,
        clock_offset_ms: Math.round(options.clockOffsetMs()),
        errors: delta.errors,
        recovered: delta.recovered,
        coverage,
        seen_through: seenThrough,
        samples,
      };
      try {
        await options.send(batch, { final });
        sent += samples.length;
      } catch (error) {
        // The API refused or was unreachable: these samples are lost (counted), and so is the coverage they vouched for.
        failedBatches += 1;
        dropped += samples.length;
        lastError = error instanceof Error ? error.message : String(error);
        closed = [...ending, ...closed];
        invalidate(samples[0]?.emitted_at ?? seenThrough);
      }
      delta = { errors: { legacy: 0, realtime: 0 }, recovered: { replay: 0, history: 0 } };
    } while (all ? buffer.length > 0 : buffer.length >= BATCH);
  }

  /**
   * One flush at a time. A timer tick during a flush joins it; `all` (on stop) waits for
   * the flush in flight and then sends what was recorded meanwhile, so nothing is left behind.
   */
  function flush(all = false, final = false): Promise<void> {
    if (inflight) return all ? inflight.then(() => flush(true, final)) : inflight;
    inflight = drain(all, final).finally(() => {
      inflight = null;
    });
    return inflight;
  }

  function closeAll() {
    stopped = true;
    const at = serverNow();
    for (const entry of lanes.values()) {
      entry.connected = false;
      endCoverage(entry, at);
    }
  }

  const timer = setInterval(() => void flush(), flushEvery);
  return {
    record,
    laneLive,
    laneDown,
    setVisible,
    flush: () => flush(),
    stats: () => ({ buffered: buffer.length, sent, dropped, failedBatches, lastError }),
    /**
     * The page is going away: no time for the buffered samples. End every lane's
     * coverage before the oldest unsent one and send just that (small enough for a
     * keep-alive request), so nothing unsent is expected of this observer.
     */
    abandon(): Promise<void> {
      clearInterval(timer);
      const oldest = buffer[0]?.emitted_at;
      if (oldest !== undefined) invalidate(oldest);
      dropped += buffer.length;
      buffer.length = 0;
      closeAll();
      return flush(true, true);
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      closeAll();
      await flush(true, false);
    },
  };
}

export type Sampler = ReturnType<typeof createSampler>;
