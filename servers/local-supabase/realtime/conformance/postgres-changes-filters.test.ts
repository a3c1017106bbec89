/**
 * Realtime conformance — postgres_changes filters: realtime-protocol.md §9 items 27–33, under
 * vsn 1.0.0 and 2.0.0, against a real Postgres with the suite's own tables. Every "is not
 * delivered" assertion waits for a later marker row on the same channel. Nothing skipped.
 */
import { postgresChangesFilter, type SupabaseClient } from '@supabase/supabase-js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { waitForStatus } from '../../../../test-support/realtime-conformance/channel-status.js';
import { ClientPool, VSNS } from '../../../../test-support/realtime-conformance/clients.js';
import { uniqueName } from '../../../../test-support/realtime-conformance/names.js';
import { listenPostgres, subscribePostgres, type Binding } from '../../../../test-support/realtime-conformance/postgres-subscription.js';
import { idsOf, insertRow, settle } from '../../../../test-support/realtime-conformance/rows.js';
import { startDatabaseStack, type DatabaseStack } from '../../../../test-support/realtime-conformance/stack.js';

let stack: DatabaseStack;
beforeAll(async () => {
  stack = await startDatabaseStack();
});
afterAll(async () => {
  await stack?.close();
});

describe.each(VSNS)('postgres_changes filters, vsn %s', (vsn) => {
  let clients: ClientPool;
  let client: SupabaseClient;
  beforeEach(async () => {
    clients = new ClientPool(stack);
    client = await clients.make({ vsn });
  });
  afterEach(async () => {
    await clients.closeAll();
  });

  it('delivers only the matching row for id=eq.N (§9.27)', async () => {
    const [wanted, unwanted] = stack.ids(2) as [number, number];
    const subscription = await subscribePostgres(client, uniqueName('eq'), [{ event: 'INSERT', schema: 'public', table: 'todos', filter: `id=eq.${wanted}` }]);
    await insertRow(stack, 'todos', { id: unwanted });
    await insertRow(stack, 'todos', { id: wanted });
    await settle(stack, subscription);
    expect(idsOf(subscription.changes.items)).toEqual([wanted]);
  });

  it('applies neq, lt, lte, gt and gte on an int column exactly (§9.28)', async () => {
    const [r1, r2, r3, r4, r5] = stack.ids(5) as [number, number, number, number, number];
    const operators = ['neq', 'lt', 'lte', 'gt', 'gte'] as const;
    const subscription = await subscribePostgres(
      client,
      uniqueName('compare'),
      operators.map((operator): Binding => ({ event: 'INSERT', schema: 'public', table: 'todos', filter: `id=${operator}.${r3}` })),
    );
    for (const id of [r1, r2, r3, r4, r5]) await insertRow(stack, 'todos', { id });
    await settle(stack, subscription);
    const events = subscription.changes.items;
    expect(idsOf(events, 0)).toEqual([r1, r2, r4, r5]);
    expect(idsOf(events, 1)).toEqual([r1, r2]);
    expect(idsOf(events, 2)).toEqual([r1, r2, r3]);
    expect(idsOf(events, 3)).toEqual([r4, r5]);
    expect(idsOf(events, 4)).toEqual([r3, r4, r5]);
  });

  it('delivers exactly the listed rows for in.(a,b,c) (§9.29)', async () => {
    const [r1, r2, r3, r4, r5] = stack.ids(5) as [number, number, number, number, number];
    const subscription = await subscribePostgres(client, uniqueName('in'), [{ event: 'INSERT', schema: 'public', table: 'todos', filter: `id=in.(${r1},${r2},${r3})` }]);
    for (const id of [r4, r1, r5, r2, r3]) await insertRow(stack, 'todos', { id });
    await settle(stack, subscription);
    expect(idsOf(subscription.changes.items)).toEqual([r1, r2, r3]);
  });

  it('answers an in filter with more than 100 values with a postgres_changes system error (§9.29)', async () => {
    const values = Array.from({ length: 101 }, (_unused, index) => index + 1).join(',');
    const subscription = listenPostgres(client, uniqueName('in-101'), [{ event: 'INSERT', schema: 'public', table: 'todos', filter: `id=in.(${values})` }], { marker: false });
    await waitForStatus(subscription.statuses, 'SUBSCRIBED');
    const error = await subscription.system.waitFor((message) => message.status === 'error');
    expect(error).toMatchObject({ extension: 'postgres_changes', status: 'error' });
    expect(error.message).toMatch(/^Unable to subscribe to changes with given parameters/);
    expect(error.message).toContain('Exception: ERROR P0001 (raise_exception) too many values for `in` filter. Maximum 100');
  });

  it("carries Postgres' own error text for a filter value the column type rejects (ERROR 22P02, as upstream's Postgrex.Error)", async () => {
    const subscription = listenPostgres(client, uniqueName('bad-int'), [{ event: 'INSERT', schema: 'public', table: 'todos', filter: 'id=eq.hey' }], { marker: false });
    const error = await subscription.system.waitFor((message) => message.status === 'error');
    expect(error).toMatchObject({ extension: 'postgres_changes', status: 'error' });
    expect(error.message).toBe(
      'Unable to subscribe to changes with given parameters. An exception happened so please check your connect parameters: [event: INSERT, schema: public, table: todos, filters: [{"id", "eq", "hey", false}], select: nil]. Exception: ERROR 22P02 (invalid_text_representation) invalid input syntax for type integer: "hey"',
    );
  });

  it('ANDs comma-separated conditions (id=gt.a,id=lt.b) (§9.30)', async () => {
    const [r1, r2, r3, r4] = stack.ids(4) as [number, number, number, number];
    const subscription = await subscribePostgres(client, uniqueName('and'), [{ event: 'INSERT', schema: 'public', table: 'todos', filter: `id=gt.${r1},id=lt.${r4}` }]);
    for (const id of [r1, r2, r3, r4]) await insertRow(stack, 'todos', { id });
    await settle(stack, subscription);
    expect(idsOf(subscription.changes.items)).toEqual([r2, r3]);
  });

  it('negates with not. (status=not.eq.draft) (§9.30)', async () => {
    const [r1, r2, r3] = stack.ids(3) as [number, number, number];
    const subscription = await subscribePostgres(client, uniqueName('not'), [{ event: 'INSERT', schema: 'public', table: 'todos', filter: 'status=not.eq.draft' }]);
    await insertRow(stack, 'todos', { id: r1, status: 'live' });
    await insertRow(stack, 'todos', { id: r2, status: 'draft' });
    await insertRow(stack, 'todos', { id: r3, status: 'done' });
    await settle(stack, subscription);
    expect(idsOf(subscription.changes.items).filter((id) => id >= r1)).toEqual([r1, r3]);
  });

  it('supports like, ilike and is.null on text and nullable columns (§9.30)', async () => {
    const [r1, r2, r3] = stack.ids(3) as [number, number, number];
    const subscription = await subscribePostgres(client, uniqueName('like'), [
      { event: 'INSERT', schema: 'public', table: 'todos', filter: `name=like.ab%` },
      { event: 'INSERT', schema: 'public', table: 'todos', filter: `name=ilike.AB%` },
      { event: 'INSERT', schema: 'public', table: 'todos', filter: `note=is.null` },
    ]);
    await insertRow(stack, 'todos', { id: r1, name: 'abc', note: 'set' });
    await insertRow(stack, 'todos', { id: r2, name: 'ABd' });
    await insertRow(stack, 'todos', { id: r3, name: 'zz' });
    await settle(stack, subscription);
    const events = subscription.changes.items;
    expect(idsOf(events, 0)).toEqual([r1]);
    expect(idsOf(events, 1)).toEqual([r1, r2]);
    expect(idsOf(events, 2)).toEqual([r2, r3]);
  });

  it('matches a quoted value literally (postgresChangesFilter().eq("name", "a,b")) (§9.31)', async () => {
    const [r1, r2, r3] = stack.ids(3) as [number, number, number];
    const filter = postgresChangesFilter().eq('name', 'a,b').build();
    expect(filter).toBe('name=eq."a,b"');
    const subscription = await subscribePostgres(client, uniqueName('quoted'), [{ event: 'INSERT', schema: 'public', table: 'todos', filter }]);
    await insertRow(stack, 'todos', { id: r1, name: 'a' });
    await insertRow(stack, 'todos', { id: r2, name: 'a,b' });
    await insertRow(stack, 'todos', { id: r3, name: 'b' });
    await settle(stack, subscription);
    expect(idsOf(subscription.changes.items)).toEqual([r2]);
  });

  it('joins a bad operator but reports "Error parsing `filter` params" as a system error (§9.32)', async () => {
    const subscription = listenPostgres(client, uniqueName('bad-op'), [{ event: 'INSERT', schema: 'public', table: 'todos', filter: 'id=foo.1' }], { marker: false });
    await waitForStatus(subscription.statuses, 'SUBSCRIBED');
    expect(await subscription.system.waitFor(() => true)).toMatchObject({
      extension: 'postgres_changes',
      status: 'error',
      message: 'Error parsing `filter` params: ["foo", "1"]',
    });
  });

  it('reports a binding on an unpublished table as "Unable to subscribe to changes…" (§9.33)', async () => {
    const subscription = listenPostgres(client, uniqueName('unpublished'), [{ event: 'INSERT', schema: 'public', table: 'unpublished' }], { marker: false });
    await waitForStatus(subscription.statuses, 'SUBSCRIBED');
    const message = await subscription.system.waitFor(() => true);
    expect(message).toMatchObject({ extension: 'postgres_changes', status: 'error' });
    expect(message.message).toMatch(/^Unable to subscribe to changes with given parameters/);
  });
});
