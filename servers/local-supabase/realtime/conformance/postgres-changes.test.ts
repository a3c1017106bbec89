/**
 * Realtime conformance — postgres_changes: realtime-protocol.md §9 items 19–26 and 34–41 (and
 * the RLS half of 17; filters 27–33 are in postgres-changes-filters.test.ts), under vsn 1.0.0
 * and 2.0.0, against a real Postgres with the suite's own tables (support/schema.ts). Every "is not delivered" assertion waits for a later marker row that
 * does match on the same channel (support/postgres-subscription.ts), never for a sleep.
 * Nothing skipped.
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { waitForStatus } from '../../../../test-support/realtime-conformance/channel-status.js';
import { ClientPool, VSNS } from '../../../../test-support/realtime-conformance/clients.js';
import { createFrameTap, frameIs } from '../../../../test-support/realtime-conformance/frame-tap.js';
import { uniqueName } from '../../../../test-support/realtime-conformance/names.js';
import { listenPostgres, postgresReady, subscribePostgres, type Binding } from '../../../../test-support/realtime-conformance/postgres-subscription.js';
import { idsOf, insertRow, settle, todoRow } from '../../../../test-support/realtime-conformance/rows.js';
import { startDatabaseStack, type DatabaseStack } from '../../../../test-support/realtime-conformance/stack.js';
import { signUserToken } from '../../../../test-support/realtime-conformance/tokens.js';

const USER_A = '11111111-1111-4111-8111-111111111111';
const USER_B = '22222222-2222-4222-8222-222222222222';
const COMMIT_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

let stack: DatabaseStack;
beforeAll(async () => {
  stack = await startDatabaseStack();
});
afterAll(async () => {
  await stack?.close();
});

describe.each(VSNS)('postgres_changes, vsn %s', (vsn) => {
  let clients: ClientPool;
  let client: SupabaseClient;
  beforeEach(async () => {
    clients = new ClientPool(stack);
    client = await clients.make({ vsn });
  });
  afterEach(async () => {
    await clients.closeAll();
  });

  it('delivers an INSERT as {schema, table, commit_timestamp, eventType, new, old: {}, errors: null} (§9.19)', async () => {
    const [id] = stack.ids(1) as [number];
    const subscription = await subscribePostgres(client, uniqueName('insert'), [{ event: 'INSERT', schema: 'public', table: 'todos' }]);
    await insertRow(stack, 'todos', { id, name: 'first' });
    const event = await subscription.changes.waitFor((entry) => entry.change.new.id === id);
    expect(event.change).toEqual({
      schema: 'public',
      table: 'todos',
      commit_timestamp: expect.stringMatching(COMMIT_TIMESTAMP),
      eventType: 'INSERT',
      new: todoRow(id, { name: 'first' }),
      old: {},
      errors: null,
    });
  });

  it('stamps commit_timestamp as UTC milliseconds close to the commit (§9.20)', async () => {
    const [id] = stack.ids(1) as [number];
    const subscription = await subscribePostgres(client, uniqueName('stamp'), [{ event: 'INSERT', schema: 'public', table: 'todos', filter: `id=eq.${id}` }]);
    const { rows } = await stack.pool.query<{ at: number }>(
      'insert into public.todos (id) values ($1) returning (extract(epoch from clock_timestamp()) * 1000)::float8 as at',
      [id],
    );
    const [event] = await subscription.changes.collect(1);
    expect(event?.change.commit_timestamp).toMatch(COMMIT_TIMESTAMP);
    expect(Math.abs(Date.parse(event!.change.commit_timestamp) - rows[0]!.at)).toBeLessThan(5_000);
  });

  it('sends the full new row and only the primary key as old for an UPDATE on a default-identity table (§9.21)', async () => {
    const [id] = stack.ids(1) as [number];
    await insertRow(stack, 'todos', { id, name: 'before', done: false });
    const subscription = await subscribePostgres(client, uniqueName('update'), [{ event: 'UPDATE', schema: 'public', table: 'todos', filter: `id=eq.${id}` }]);
    await stack.pool.query('update public.todos set name = $2, done = true where id = $1', [id, 'after']);
    const [event] = await subscription.changes.collect(1);
    expect(event?.change).toMatchObject({ eventType: 'UPDATE', new: todoRow(id, { name: 'after', done: true }), old: { id }, errors: null });
    expect(event?.change.old).toEqual({ id });
  });

  it('sends the full previous row as old for an UPDATE on a REPLICA IDENTITY FULL table (§9.22)', async () => {
    const [id] = stack.ids(1) as [number];
    await insertRow(stack, 'todos_full', { id, name: 'before', done: false });
    const subscription = await subscribePostgres(client, uniqueName('update-full'), [{ event: 'UPDATE', schema: 'public', table: 'todos_full', filter: `id=eq.${id}` }]);
    await stack.pool.query('update public.todos_full set name = $2, done = true where id = $1', [id, 'after']);
    const [event] = await subscription.changes.collect(1);
    expect(event?.change.new).toEqual({ id, name: 'after', done: true });
    expect(event?.change.old).toEqual({ id, name: 'before', done: false });
  });

  it('sends new: {} and old: {id} for a DELETE, with no record key on the wire (§9.23)', async () => {
    const [id] = stack.ids(1) as [number];
    await insertRow(stack, 'todos', { id, name: 'doomed' });
    const tap = createFrameTap();
    const tapped = await clients.make({ vsn, tap });
    const subscription = await subscribePostgres(tapped, uniqueName('delete'), [{ event: 'DELETE', schema: 'public', table: 'todos', filter: `id=eq.${id}` }]);
    await stack.pool.query('delete from public.todos where id = $1', [id]);
    const [event] = await subscription.changes.collect(1);
    expect(event?.change).toMatchObject({ eventType: 'DELETE', new: {}, old: { id }, errors: null });
    expect(event?.change.old).toEqual({ id });
    const frame = tap.frames.items.find((entry) => frameIs('in', 'postgres_changes', subscription.channel.topic)(entry) && entry.message?.payload.data.type === 'DELETE');
    expect(frame?.message?.payload.data).not.toHaveProperty('record');
    expect(frame?.message?.payload.data).toHaveProperty('old_record');
  });

  it('cuts old to the primary key for a DELETE on an RLS-enabled REPLICA IDENTITY FULL table (§9.24)', async () => {
    const [id] = stack.ids(1) as [number];
    await insertRow(stack, 'rls_notes', { id, owner: USER_A, body: 'secret' });
    const service = await clients.make({ vsn, key: stack.serviceKey });
    const subscription = await subscribePostgres(service, uniqueName('delete-rls'), [{ event: 'DELETE', schema: 'public', table: 'rls_notes', filter: `id=eq.${id}` }]);
    await stack.pool.query('delete from public.rls_notes where id = $1', [id]);
    const [event] = await subscription.changes.collect(1);
    expect(event?.change.eventType).toBe('DELETE');
    expect(event?.change.old).toEqual({ id });
  });

  it('fires "*" for INSERT, UPDATE and DELETE with their eventType, and "UPDATE" for updates only (§9.25)', async () => {
    const [id, other] = stack.ids(2) as [number, number];
    const everything = await subscribePostgres(client, uniqueName('star'), [{ event: '*', schema: 'public', table: 'todos', filter: `id=eq.${id}` }]);
    const updates = await subscribePostgres(client, uniqueName('updates'), [{ event: 'UPDATE', schema: 'public', table: 'todos', filter: `id=in.(${id},${other})` }]);
    await insertRow(stack, 'todos', { id, name: 'v1' });
    await stack.pool.query("update public.todos set name = 'v2' where id = $1", [id]);
    await stack.pool.query('delete from public.todos where id = $1', [id]);
    const seen = await everything.changes.collect(3);
    expect(seen.map((event) => event.change.eventType)).toEqual(['INSERT', 'UPDATE', 'DELETE']);
    expect(seen.map((event) => event.change.new)).toEqual([todoRow(id, { name: 'v1' }), todoRow(id, { name: 'v2' }), {}]);
    // Marker on the UPDATE channel's own path: a later update it must receive.
    await insertRow(stack, 'todos', { id: other });
    await stack.pool.query("update public.todos set name = 'marker' where id = $1", [other]);
    await updates.changes.waitFor((event) => event.change.new.id === other);
    expect(updates.changes.items.map((event) => [event.change.eventType, event.change.new.id])).toEqual([
      ['UPDATE', id],
      ['UPDATE', other],
    ]);
  });

  it('delivers changes of every published table to a schema-only binding and nothing from unpublished ones (§9.26)', async () => {
    const [a, b, c] = stack.ids(3) as [number, number, number];
    const subscription = await subscribePostgres(client, uniqueName('schema'), [{ event: '*', schema: 'public' }]);
    await insertRow(stack, 'todos', { id: a });
    await insertRow(stack, 'unpublished', { id: b, name: 'hidden' });
    await insertRow(stack, 'todos_full', { id: c, name: 'full' });
    await settle(stack, subscription);
    const own = subscription.changes.items.filter((event) => [a, b, c].includes(event.change.new.id as number));
    expect(own.map((event) => [event.change.table, event.change.new.id])).toEqual([
      ['todos', a],
      ['todos_full', c],
    ]);
    expect(subscription.changes.count((event) => event.change.table === 'unpublished')).toBe(0);
  });

  it('always delivers an insert issued right after "Subscribed to PostgreSQL" (§9.34)', async () => {
    for (let round = 0; round < 5; round += 1) {
      const [id] = stack.ids(1) as [number];
      const subscription = listenPostgres(client, uniqueName('ready'), [{ event: 'INSERT', schema: 'public', table: 'todos', filter: `id=eq.${id}` }], { marker: false });
      await waitForStatus(subscription.statuses, 'SUBSCRIBED');
      await postgresReady(subscription);
      await insertRow(stack, 'todos', { id });
      expect(idsOf(await subscription.changes.collect(1))).toEqual([id]);
      await client.removeChannel(subscription.channel);
    }
  });

  it('delivers an insert issued right after SUBSCRIBED when postgres_changes_options.wait is set (§9.35)', async () => {
    const [id] = stack.ids(1) as [number];
    const subscription = listenPostgres(client, uniqueName('wait'), [{ event: 'INSERT', schema: 'public', table: 'todos', filter: `id=eq.${id}` }], {
      marker: false,
      config: { postgres_changes_options: { wait: true } },
    });
    await waitForStatus(subscription.statuses, 'SUBSCRIBED');
    await insertRow(stack, 'todos', { id });
    expect(idsOf(await subscription.changes.collect(1))).toEqual([id]);
  });

  it('sends one frame carrying both ids when two bindings match, and fires each callback once (§9.36)', async () => {
    const [id] = stack.ids(1) as [number];
    const tap = createFrameTap();
    const tapped = await clients.make({ vsn, tap });
    const subscription = await subscribePostgres(tapped, uniqueName('double'), [
      { event: 'INSERT', schema: 'public', table: 'todos', filter: `id=eq.${id}` },
      { event: '*', schema: 'public', table: 'todos', filter: `id=eq.${id}` },
    ]);
    const join = tap.frames.items.find(frameIs('out', 'phx_join', subscription.channel.topic));
    const reply = tap.frames.items.find((frame) => frame.dir === 'in' && frame.message?.ref === join?.message?.ref);
    const [insertId, starId] = (reply?.message?.payload.response.postgres_changes as Array<{ id: number }>).map((entry) => entry.id);
    await insertRow(stack, 'todos', { id });
    await settle(stack, subscription);
    const frames = tap.frames.filter((frame) => frameIs('in', 'postgres_changes', subscription.channel.topic)(frame) && frame.message?.payload.data.table === 'todos');
    expect(frames).toHaveLength(1);
    expect([...(frames[0]?.message?.payload.ids as number[])].sort()).toEqual([insertId, starId].sort());
    expect(subscription.changes.items.map((event) => event.binding)).toEqual([0, 1]);
  });

  it('gives two channels on one socket only their own rows (§9.37)', async () => {
    const [a, b] = stack.ids(2) as [number, number];
    const first = await subscribePostgres(client, uniqueName('first'), [{ event: 'INSERT', schema: 'public', table: 'todos', filter: `id=eq.${a}` }]);
    const second = await subscribePostgres(client, uniqueName('second'), [{ event: 'INSERT', schema: 'public', table: 'todos', filter: `id=eq.${b}` }]);
    await insertRow(stack, 'todos', { id: a });
    await insertRow(stack, 'todos', { id: b });
    await settle(stack, first, second);
    expect(idsOf(first.changes.items)).toEqual([a]);
    expect(idsOf(second.changes.items)).toEqual([b]);
  });

  it('delivers 100 sequential inserts in commit order without duplicates (§9.38)', async () => {
    const ids = stack.ids(100);
    const subscription = await subscribePostgres(client, uniqueName('hundred'), [{ event: 'INSERT', schema: 'public', table: 'todos', filter: `id=gte.${ids[0]}` }]);
    for (const id of ids) await insertRow(stack, 'todos', { id });
    await subscription.changes.collect(100, { timeoutMs: 15_000 });
    await settle(stack, subscription);
    expect(idsOf(subscription.changes.items)).toEqual(ids);
  });

  it('hides a row from subscribers whose role RLS denies it and delivers it to the owner and service_role (§9.39)', async () => {
    const [id] = stack.ids(1) as [number];
    const [tokenA, tokenB] = [await signUserToken(stack.jwtSecret, USER_A), await signUserToken(stack.jwtSecret, USER_B)];
    const binding: Binding[] = [{ event: 'INSERT', schema: 'public', table: 'rls_notes' }];
    const anon = await subscribePostgres(client, uniqueName('rls-anon'), binding);
    const service = await subscribePostgres(await clients.make({ vsn, key: stack.serviceKey }), uniqueName('rls-service'), binding);
    const owner = await subscribePostgres(await clients.make({ vsn, accessToken: () => tokenA }), uniqueName('rls-owner'), binding);
    const stranger = await subscribePostgres(await clients.make({ vsn, accessToken: () => tokenB }), uniqueName('rls-stranger'), binding);
    await insertRow(stack, 'rls_notes', { id, owner: USER_A, body: 'for A' });
    await settle(stack, anon, service, owner, stranger);
    expect(service.changes.items.map((event) => event.change.new)).toEqual([{ id, owner: USER_A, body: 'for A' }]);
    expect(owner.changes.items.map((event) => event.change.new)).toEqual([{ id, owner: USER_A, body: 'for A' }]);
    expect(anon.changes.items).toEqual([]);
    expect(stranger.changes.items).toEqual([]);
  });

  it('applies the claims of an access_token push to later RLS decisions (§9.17)', async () => {
    const [hidden, visible] = stack.ids(2) as [number, number];
    const token = { current: await signUserToken(stack.jwtSecret, USER_B) };
    const switching = await clients.make({ vsn, accessToken: () => token.current });
    const subscription = await subscribePostgres(switching, uniqueName('rls-switch'), [{ event: 'INSERT', schema: 'public', table: 'rls_notes' }]);
    await insertRow(stack, 'rls_notes', { id: hidden, owner: USER_A, body: 'not yet' });
    await settle(stack, subscription);
    expect(subscription.changes.items).toEqual([]);
    token.current = await signUserToken(stack.jwtSecret, USER_A);
    const mark = subscription.system.mark();
    await switching.realtime.setAuth(token.current);
    await postgresReady(subscription, { after: mark, what: 'fresh Subscribed to PostgreSQL after the token change' });
    await insertRow(stack, 'rls_notes', { id: visible, owner: USER_A, body: 'now' });
    await settle(stack, subscription);
    expect(idsOf(subscription.changes.items)).toEqual([visible]);
  });

  it('converts bool, int8, jsonb and int4[] columns to native JS values (§9.40)', async () => {
    const [id] = stack.ids(1) as [number];
    const subscription = await subscribePostgres(client, uniqueName('types'), [{ event: 'INSERT', schema: 'public', table: 'todos', filter: `id=eq.${id}` }]);
    const meta = { a: 1, nested: { b: [1, 2] }, s: 'ü', n: null };
    await insertRow(stack, 'todos', { id, done: true, big: 1_234_567_890_123, meta, tags: [1, 2, 3] });
    const [event] = await subscription.changes.collect(1);
    const row = event!.change.new;
    expect(row.done).toBe(true);
    expect(row.big).toBe(1_234_567_890_123);
    expect(row.meta).toEqual(meta);
    expect(row.tags).toEqual([1, 2, 3]);
  });

  it('delivers a row over 1 MB with errors ["Error 413: Payload Too Large"] and its large fields omitted (§9.41)', async () => {
    const [id] = stack.ids(1) as [number];
    const subscription = await subscribePostgres(client, uniqueName('big'), [{ event: 'INSERT', schema: 'public', table: 'big_rows', filter: `id=eq.${id}` }]);
    await stack.pool.query("insert into public.big_rows (id, name, blob) select $1, 'big', string_agg(md5(g::text), '') from generate_series(1, 40000) g", [id]);
    const [event] = await subscription.changes.collect(1, { timeoutMs: 10_000 });
    expect(event?.change.errors).toEqual(['Error 413: Payload Too Large']);
    expect(event?.change.new).toMatchObject({ id, name: 'big' });
    expect(event?.change.new).not.toHaveProperty('blob');
  });
});
