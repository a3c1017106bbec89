import type { Delivery } from './change-router.js';
import type { Lsn } from './lsn.js';
import type { Transaction } from './transaction-assembler.js';

/** Pending transactions above which the replication socket is paused, and below which it resumes. */
const PAUSE_ABOVE = 2_000;
const RESUME_BELOW = 200;
/**
 * Deliveries handed out before the chain yields to the event loop. A backlog (the server was
 * starved of CPU, the slot sent a burst) would otherwise be handed out in one turn: every
 * socket's share of thousands of changes queued at once, heartbeats and reads waiting behind.
 */
const DELIVERIES_PER_TURN = 20_000;

export interface DeliveryPipelineDeps {
  prepare(transaction: Transaction): Promise<Delivery[]>;
  confirm(lsn: Lsn): void;
  pause(): void;
  resume(): void;
  log(line: string): void;
}

/**
 * Commit-order delivery: transactions are prepared concurrently (RLS queries overlap) but
 * handed to subscribers strictly in WAL order, and each one's end LSN is confirmed to the
 * slot only after its frames have been handed out.
 */
export class DeliveryPipeline {
  readonly counters = { transactions: 0, deliveries: 0 };
  pending = 0;
  confirmedLsn: Lsn = 0n;
  private tail: Promise<void> = Promise.resolve();
  private paused = false;
  private sinceYield = 0;

  constructor(private readonly deps: DeliveryPipelineDeps) {}

  enqueue(transaction: Transaction): void {
    const prepared = this.deps.prepare(transaction).catch((error: unknown) => {
      this.deps.log(`realtime: postgres_changes: dropped a change at ${transaction.commitLsn}: ${String(error)}`);
      return [] as Delivery[];
    });
    this.counters.transactions += 1;
    this.append(prepared, transaction.endLsn);
  }

  /** Nothing to deliver up to `lsn`: confirm it once everything before it is delivered. */
  enqueuePosition(lsn: Lsn): void {
    this.append(undefined, lsn);
  }

  /** Waits (bounded) for everything queued so far to be delivered. */
  async drain(timeoutMs: number): Promise<void> {
    await Promise.race([this.tail, new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
  }

  private append(prepared: Promise<Delivery[]> | undefined, lsn: Lsn): void {
    this.pending += 1;
    if (this.pending > PAUSE_ABOVE && !this.paused) {
      this.paused = true;
      this.deps.pause();
    }
    this.tail = this.tail.then(async () => {
      const deliveries = prepared ? await prepared : [];
      for (const { entries, ids, data } of deliveries) {
        // One frame object for all of them: subscribers only read it.
        const frame = { ids, data };
        for (const entry of entries) {
          if (!entry.active) continue;
          try {
            entry.subscriber.deliver(frame);
            this.counters.deliveries += 1;
            this.sinceYield += 1;
          } catch (error) {
            this.deps.log(`realtime: postgres_changes: deliver threw for ${entry.key}: ${String(error)}`);
          }
        }
      }
      if (lsn > this.confirmedLsn) {
        this.confirmedLsn = lsn;
        this.deps.confirm(lsn);
      }
      this.pending -= 1;
      if (this.paused && this.pending < RESUME_BELOW) {
        this.paused = false;
        this.deps.resume();
      }
      if (this.pending === 0) this.sinceYield = 0;
      else if (this.sinceYield >= DELIVERIES_PER_TURN) {
        this.sinceYield = 0;
        await new Promise((resolve) => setImmediate(resolve));
      }
    });
  }
}
