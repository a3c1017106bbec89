import { performance } from 'node:perf_hooks';
import { cpuSeconds } from './clock.js';
import { LatencyHistogram, type HistogramData } from './latency-histogram.js';

/** One measured window: rows `firstSeq … firstSeq + rows − 1`, each due at every subscriber once. */
export interface StepWindow {
  firstSeq: number;
  rows: number;
  /** Receiver clock − writer clock (ms), subtracted from every latency. */
  correctionMs: number;
}

export interface LedgerResult {
  subscribers: number;
  received: number;
  expected: number;
  duplicates: number;
  /** Latest first receipt (receiver's epoch ms, corrected to the writer's clock); 0 when none. */
  lastMs: number;
  histogram: HistogramData;
}

/**
 * What a client process saw in a step: one bit per (subscriber, row), so missing and
 * duplicate deliveries are exact, and every first receipt's latency in a histogram.
 */
export class ReceiptLedger {
  private seen = new Uint8Array(0);
  private window: StepWindow = { firstSeq: 0, rows: 0, correctionMs: 0 };
  private received = 0;
  private duplicates = 0;
  private lastMs = 0;
  private readonly histogram = new LatencyHistogram();

  constructor(private subscribers = 0) {}

  /** Subscribers are numbered 0 … n − 1 by the caller. */
  resize(subscribers: number): void {
    this.subscribers = subscribers;
  }

  reset(window: StepWindow): void {
    this.window = window;
    this.seen = new Uint8Array(this.subscribers * window.rows);
    this.received = 0;
    this.duplicates = 0;
    this.lastMs = 0;
    this.histogram.reset();
  }

  /** Counts a delivery of row `seq` to `subscriber`; rows outside the window are ignored. */
  record(subscriber: number, seq: number, issuedMs: number, receivedMs: number): void {
    const row = seq - this.window.firstSeq;
    if (row < 0 || row >= this.window.rows) return;
    const slot = subscriber * this.window.rows + row;
    if (this.seen[slot]) {
      this.duplicates += 1;
      return;
    }
    this.seen[slot] = 1;
    this.received += 1;
    const corrected = receivedMs - this.window.correctionMs;
    if (corrected > this.lastMs) this.lastMs = corrected;
    this.histogram.record(corrected - issuedMs);
  }

  get count(): number {
    return this.received;
  }

  result(): LedgerResult {
    return { subscribers: this.subscribers, received: this.received, expected: this.subscribers * this.window.rows, duplicates: this.duplicates, lastMs: this.lastMs, histogram: this.histogram.data() };
  }
}

/** A client process's report for a step: its ledger plus its own CPU and event-loop use. */
export interface ClientsResult extends LedgerResult {
  cpuS: number;
  /** Share of wall time the event loop was busy (busy with low CPU = waiting for a core). */
  loopBusy: number;
  /** Subscribers whose connection closed during the step. */
  closed: number;
}

/** The step bookkeeping every client process shares; its `rpc` are the `reset`, `received` and `collect` calls. */
export class ClientStep {
  readonly ledger = new ReceiptLedger();
  /** Subscribers that closed since the step began. */
  closed = 0;
  private cpu = process.cpuUsage();
  private loop = performance.eventLoopUtilization();

  readonly rpc = {
    reset: (window: StepWindow) => {
      this.ledger.reset(window);
      this.closed = 0;
      this.cpu = process.cpuUsage();
      this.loop = performance.eventLoopUtilization();
    },
    received: () => this.ledger.count,
    collect: (): ClientsResult => ({
      ...this.ledger.result(),
      cpuS: cpuSeconds(process.cpuUsage(this.cpu)),
      loopBusy: performance.eventLoopUtilization(this.loop).utilization,
      closed: this.closed,
    }),
  };
}
