import { describe, expect, it } from 'vitest';
import type { Delivery } from './change-router.js';
import type { PostgresChangeData, PostgresChangesSubscriber } from './contract.js';
import { DeliveryPipeline } from './delivery-pipeline.js';
import type { Lsn } from './lsn.js';
import type { SubscriptionEntry } from './subscriber-registry.js';
import type { Transaction } from './transaction-assembler.js';

const SUBSCRIBERS = 2_000;
const TRANSACTIONS = 30;

function transaction(n: number): Transaction {
  return { xid: n, commitLsn: BigInt(n * 10) as Lsn, endLsn: BigInt(n * 10 + 5) as Lsn, commitTimestamp: '2026-01-01T00:00:00.000Z', changes: [] };
}

describe('delivery pipeline', () => {
  it('hands a large backlog out in commit order, once to each subscriber, letting the event loop run in between', async () => {
    const received: number[][] = Array.from({ length: SUBSCRIBERS }, () => []);
    let delivered = 0;
    const entries: SubscriptionEntry[] = received.map((frames, index) => {
      const subscriber: PostgresChangesSubscriber = {
        key: `s${index}`,
        bindings: [],
        claims: { role: 'authenticated' },
        deliver: ({ data }) => {
          frames.push(data.record!.n as number);
          delivered += 1;
        },
        status: () => undefined,
      };
      return { key: subscriber.key, subscriber, claims: subscriber.claims, role: 'authenticated', claimsJson: '{}', targets: [], active: true };
    });
    const confirmed: Lsn[] = [];
    const pipeline = new DeliveryPipeline({
      prepare: async (tx): Promise<Delivery[]> => {
        const data: PostgresChangeData = { schema: 'public', table: 't', type: 'INSERT', record: { n: tx.xid }, errors: null };
        return [{ entries, ids: [1], data }];
      },
      confirm: (lsn) => confirmed.push(lsn),
      pause: () => undefined,
      resume: () => undefined,
      log: () => undefined,
    });
    // The backlog arrives at once, as a burst from the slot after the server was starved.
    for (let n = 1; n <= TRANSACTIONS; n += 1) pipeline.enqueue(transaction(n));
    const seenByOtherWork: number[] = [];
    const watch = () => {
      seenByOtherWork.push(delivered);
      if (delivered < SUBSCRIBERS * TRANSACTIONS) setImmediate(watch);
    };
    setImmediate(watch);
    await pipeline.drain(10_000);

    const expected = Array.from({ length: TRANSACTIONS }, (_, k) => k + 1);
    for (const frames of received) expect(frames).toEqual(expected);
    expect(confirmed).toEqual(expected.map((n) => BigInt(n * 10 + 5)));
    // Other work ran while the burst was being handed out, not only before or after it.
    expect(seenByOtherWork.some((count) => count > 0 && count < SUBSCRIBERS * TRANSACTIONS)).toBe(true);
  });
});
