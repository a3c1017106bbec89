import type { MonitoringEvent, TransportKind } from '@/lib/monitoring/model';
import { eventDigest, eventPayload } from '@/lib/validation/digest';
import type { Sample, SampleBatch } from '@/lib/validation/sample';

export type Lane = Sample['lane'];

export interface SamplerOptions {
  observer: string;
  cohort: SampleBatch['cohort'];
  browser: SampleBatch['browser'];
  /** Posts one batch; rejects on failure (the batch is then dropped and counted). */
  send(batch: SampleBatch): Promise<void>;
  /** Client clock minus server clock (ms), as last measured. */
  clockOffsetMs(): number;
  /** Cumulative transport errors (session failures) seen by this observer. */
  errors(): Record<TransportKind, number>;
  flushEveryMs?: number;
  maxBuffered?: number;
}

const BATCH = 1_000;

/**
 * Turns every delivery an observer sees into a validation sample and posts them in
 * batches. When both transports delivered an event with different content, the later
 * sample carries both payloads so the discrepancy log can show them side by side.
 */
export function createSampler(options: SamplerOptions) {
  const buffer: Sample[] = [];
  const seqs = new Map<string, number>();
  const seen = new Map<string, { transport: TransportKind; digest: string; payload: Record<string, unknown> }>();
  let lastErrors = { legacy: 0, realtime: 0 };
  let dropped = 0;
  let sent = 0;
  let failedBatches = 0;
  let lastError: string | null = null;
  let inflight: Promise<void> | null = null;
  const flushEvery = options.flushEveryMs ?? 2_000;
  const maxBuffered = options.maxBuffered ?? 20_000;

  function record(event: MonitoringEvent, lane: Lane): void {
    const transport = event.provenance.transport;
    if (transport === 'history') return;
    const digest = eventDigest(event);
    const laneKey = `${transport}:${lane}:${event.stream}`;
    const seq = seqs.get(laneKey) ?? 0;
    seqs.set(laneKey, seq + 1);
    const offset = options.clockOffsetMs();
    const sample: Sample = {
      event_id: event.eventId,
      id: event.id,
      stream: event.stream,
      transport,
      lane,
      received_at: Math.round(event.provenance.receivedAt - offset),
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
      buffer.shift();
      dropped += 1;
    }
    buffer.push(sample);
  }

  /** Sends full batches (or, with `all`, everything buffered). */
  async function drain(all: boolean): Promise<void> {
    const errors = options.errors();
    const delta = { legacy: Math.max(0, errors.legacy - lastErrors.legacy), realtime: Math.max(0, errors.realtime - lastErrors.realtime) };
    lastErrors = errors;
    do {
      const samples = buffer.splice(0, BATCH);
      if (samples.length === 0 && delta.legacy === 0 && delta.realtime === 0) break;
      try {
        await options.send({ observer: options.observer, cohort: options.cohort, browser: options.browser, clock_offset_ms: Math.round(options.clockOffsetMs()), errors: { ...delta }, samples });
        sent += samples.length;
      } catch (error) {
        // The API refused or was unreachable: these samples are lost, and counted.
        failedBatches += 1;
        dropped += samples.length;
        lastError = error instanceof Error ? error.message : String(error);
      }
      delta.legacy = 0;
      delta.realtime = 0;
    } while (all ? buffer.length > 0 : buffer.length >= BATCH);
  }

  /**
   * One flush at a time. A timer tick during a flush joins it; `all` (on stop) waits for
   * the flush in flight and then sends what was recorded meanwhile, so nothing is left behind.
   */
  function flush(all = false): Promise<void> {
    if (inflight) return all ? inflight.then(() => flush(true)) : inflight;
    inflight = drain(all).finally(() => {
      inflight = null;
    });
    return inflight;
  }

  const timer = setInterval(() => void flush(), flushEvery);
  return {
    record,
    flush: () => flush(),
    stats: () => ({ buffered: buffer.length, sent, dropped, failedBatches, lastError }),
    async stop(): Promise<void> {
      clearInterval(timer);
      await flush(true);
    },
  };
}

export type Sampler = ReturnType<typeof createSampler>;
