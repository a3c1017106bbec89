/**
 * Realtime conformance — faults, under vsn 1.0.0 and 2.0.0 (issue 3, part 3):
 *  (a) the Realtime server is killed mid-stream and a new one starts on the same port and
 *      database while inserts keep committing → the client reconnects and resubscribes; rows
 *      committed once the new subscription is live are delivered; nothing arrives twice.
 *  (b) Postgres restarts under a subscribed client → inserts after recovery are delivered in
 *      order, none twice.
 * Rows committed while a component is down may or may not arrive (§3.5: no replay across
 * reconnects); only order and uniqueness are asserted for them.
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { waitForStatus } from '../../../../test-support/realtime-conformance/channel-status.js';
import { ClientPool, VSNS } from '../../../../test-support/realtime-conformance/clients.js';
import { uniqueName } from '../../../../test-support/realtime-conformance/names.js';
import { postgresReady, subscribePostgres, type PostgresSubscription } from '../../../../test-support/realtime-conformance/postgres-subscription.js';
import { insertTodoRow, startRowWriter } from '../../../../test-support/realtime-conformance/row-writer.js';
import { startDatabaseStack, type DatabaseStack } from '../../../../test-support/realtime-conformance/stack.js';

let stack: DatabaseStack;
beforeAll(async () => {
  stack = await startDatabaseStack();
});
afterAll(async () => {
  await stack?.close();
});

const delivered = (subscription: PostgresSubscription) => subscription.changes.items.map((event) => event.change.new.id as number);

function expectOrderedAndUnique(ids: number[]): void {
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids).toEqual([...ids].sort((a, b) => a - b));
}

describe.each(VSNS)('faults, vsn %s', (vsn) => {
  let clients: ClientPool;
  let client: SupabaseClient;
  beforeEach(async () => {
    clients = new ClientPool(stack);
    client = await clients.make({ vsn });
  });
  afterEach(async () => {
    await clients.closeAll();
  });

  it('resubscribes after the server is killed mid-stream and delivers, once, what is committed after it is back', async () => {
    const ids = stack.ids(2_000);
    const subscription = await subscribePostgres(client, uniqueName('server-kill'), [{ event: 'INSERT', schema: 'public', table: 'todos', filter: `id=gte.${ids[0]}` }]);
    const writer = startRowWriter(stack.pool, ids);
    let firstGuaranteed: number;
    try {
      await subscription.changes.collect(5);
      const beforeKill = subscription.statuses.mark();
      const systemMark = subscription.system.mark();
      await stack.restartServer();
      const error = await waitForStatus(subscription.statuses, 'CHANNEL_ERROR', { after: beforeKill });
      await waitForStatus(subscription.statuses, 'SUBSCRIBED', { after: subscription.statuses.items.indexOf(error), timeoutMs: 15_000 });
      await postgresReady(subscription, { after: systemMark, timeoutMs: 10_000 });
      // Every insert from here on starts after the new subscription is live.
      firstGuaranteed = writer.nextId();
      // The writer is sequential: at most one insert started before the mark commits after
      // it, so 21 commits after the mark hold at least 20 guaranteed rows.
      await writer.committed.collect(21, { after: writer.committed.mark(), timeoutMs: 10_000 });
    } finally {
      await writer.stop();
    }
    const committed = writer.committed.items;
    await subscription.changes.waitFor((event) => event.change.new.id === committed.at(-1), { timeoutMs: 10_000 });
    const got = delivered(subscription);
    expectOrderedAndUnique(got);
    const mustArrive = committed.filter((id) => id >= firstGuaranteed);
    expect(mustArrive.length).toBeGreaterThanOrEqual(20);
    expect(got.filter((id) => id >= firstGuaranteed)).toEqual(mustArrive);
    expect(got.every((id) => committed.includes(id))).toBe(true);
  });

  it('delivers inserts after a Postgres restart in order and none twice', async () => {
    const ids = stack.ids(200);
    const subscription = await subscribePostgres(client, uniqueName('pg-restart'), [{ event: 'INSERT', schema: 'public', table: 'todos', filter: `id=gte.${ids[0]}` }]);
    const before = ids.slice(0, 3);
    for (const id of before) await insertTodoRow(stack.pool, id);
    await subscription.changes.collect(3);
    await stack.db.restart();

    // Recovery: probe rows, one at a time, until one is delivered (each probe waits a bounded time).
    const probes = ids.slice(3, 100);
    let recovered = false;
    for (const id of probes) {
      await insertTodoRow(stack.pool, id);
      recovered = await subscription.changes.waitFor((event) => event.change.new.id === id, { timeoutMs: 1_000 }).then(
        () => true,
        () => false,
      );
      if (recovered) break;
    }
    expect(recovered).toBe(true);

    const after = ids.slice(100, 120);
    for (const id of after) await insertTodoRow(stack.pool, id);
    await subscription.changes.waitFor((event) => event.change.new.id === after.at(-1), { timeoutMs: 10_000 });
    const got = delivered(subscription);
    expectOrderedAndUnique(got);
    expect(got.slice(0, 3)).toEqual(before);
    expect(got.filter((id) => id >= after[0]!)).toEqual(after);
  });
});
