import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExtensionFixture, type ExtensionFixture } from '../../../../test-support/postgres-changes/fixture.js';
import { recordingSubscriber, type RecordedFrame } from '../../../../test-support/postgres-changes/recording-subscriber.js';

const USER_A = '11111111-1111-4111-8111-111111111111';
const USER_B = '22222222-2222-4222-8222-222222222222';
const authenticated = (sub: string) => ({ role: 'authenticated', sub, aud: 'authenticated' });

let fx: ExtensionFixture;
beforeAll(async () => {
  fx = await startExtensionFixture('pc_contract_test');
});
afterAll(async () => {
  await fx?.close();
});

const rowsOf = (frames: RecordedFrame[], table: string) => frames.filter((frame) => frame.data.table === table);
const idsFor = (frames: RecordedFrame[], table: string, bindingId?: number) =>
  rowsOf(frames, table)
    .filter((frame) => bindingId === undefined || frame.ids.includes(bindingId))
    .map((frame) => (frame.data.record ?? frame.data.old_record)!.id as number);

async function errorFor(bindings: Parameters<typeof recordingSubscriber>[0], claims?: Parameters<typeof recordingSubscriber>[1]): Promise<string> {
  const recorder = recordingSubscriber(bindings, claims);
  fx.extension.subscribe(recorder.subscriber);
  const status = await recorder.nextStatus();
  expect(status.status).toBe('error');
  return status.message;
}

describe('postgres_changes extension (contract level, real Postgres)', () => {
  it('delivers an INSERT with schema, table, type, commit_timestamp, typed columns, record and errors: null', async () => {
    const [id] = fx.ids(1) as [number];
    const sub = await fx.subscribe([{ event: 'INSERT', schema: 'public', table: 'pc_items', id: 7 }]);
    const before = Date.now();
    await fx.sql('insert into public.pc_items (id, name) values ($1, $2)', [id, 'first']);
    const frame = await sub.waitFor((f) => f.data.table === 'pc_items');
    expect(frame.ids).toEqual([7]);
    expect(Object.keys(frame.data)).toEqual(['schema', 'table', 'type', 'commit_timestamp', 'columns', 'record', 'errors']);
    expect(frame.data).toMatchObject({ schema: 'public', table: 'pc_items', type: 'INSERT', errors: null });
    expect(frame.data.commit_timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Math.abs(Date.parse(frame.data.commit_timestamp!) - before)).toBeLessThan(60_000);
    expect(frame.data.columns?.slice(0, 3)).toEqual([
      { name: 'id', type: 'int4' },
      { name: 'name', type: 'text' },
      { name: 'done', type: 'bool' },
    ]);
    expect(frame.data.record).toEqual({ id, name: 'first', done: false, meta: null, tags: null, big: null, price: null, at: null, raw: null, status: null, note: null, day: null });
  });

  it('converts values the way to_jsonb does (bool, int8, numeric, jsonb, int4[], timestamptz, bytea, date)', async () => {
    const [id] = fx.ids(1) as [number];
    const sub = await fx.subscribe([{ event: 'INSERT', schema: 'public', table: 'pc_items', filter: `id=eq.${id}` }]);
    const meta = { a: 1, nested: { b: [1, 2] }, s: 'ü "q"', n: null };
    await fx.sql(
      `insert into public.pc_items (id, done, meta, tags, big, price, at, raw, day, name)
       values ($1, true, $2, '{1,2,3}', 1234567890123, 12.50, '2026-01-02 03:04:05.678+00', '\\x0102ff', '2026-03-04', 'a,b "c"')`,
      [id, meta],
    );
    const frame = await sub.waitFor((f) => f.data.table === 'pc_items');
    expect(frame.data.record).toMatchObject({ id, done: true, meta, tags: [1, 2, 3], big: 1_234_567_890_123, price: 12.5, at: '2026-01-02T03:04:05.678+00:00', raw: '0102ff', day: '2026-03-04', name: 'a,b "c"' });
    const typeOf = (name: string) => frame.data.columns?.find((column) => column.name === name)?.type;
    expect([typeOf('tags'), typeOf('meta'), typeOf('big'), typeOf('at'), typeOf('raw')]).toEqual(['_int4', 'jsonb', 'int8', 'timestamptz', 'bytea']);
  });

  it('sends the primary key as old_record for UPDATE and DELETE on a default-identity table, and no record for DELETE', async () => {
    const [id] = fx.ids(1) as [number];
    const sub = await fx.subscribe([{ event: '*', schema: 'public', table: 'pc_items', filter: `id=eq.${id}` }]);
    await fx.sql('insert into public.pc_items (id, name) values ($1, $2)', [id, 'a']);
    await fx.sql('update public.pc_items set name = $2 where id = $1', [id, 'b']);
    await fx.sql('delete from public.pc_items where id = $1', [id]);
    const deleted = await sub.waitFor((f) => f.data.type === 'DELETE');
    const updated = sub.frames.find((f) => f.data.type === 'UPDATE')!;
    expect(updated.data.record).toMatchObject({ id, name: 'b' });
    expect(updated.data.old_record).toEqual({ id });
    expect(deleted.data.old_record).toEqual({ id });
    expect(deleted.data).not.toHaveProperty('record');
    expect(sub.frames.filter((f) => f.data.table === 'pc_items').map((f) => f.data.type)).toEqual(['INSERT', 'UPDATE', 'DELETE']);
  });

  it('sends the full old row on a REPLICA IDENTITY FULL table, but only the key for DELETE on an RLS table', async () => {
    const [id, noteId] = fx.ids(2) as [number, number];
    const sub = await fx.subscribe([
      { event: 'UPDATE', schema: 'public', table: 'pc_full', id: 1 },
      { event: 'DELETE', schema: 'public', table: 'pc_notes', id: 2 },
    ]);
    await fx.sql('insert into public.pc_full (id, name) values ($1, $2)', [id, 'old']);
    await fx.sql('update public.pc_full set name = $2 where id = $1', [id, 'new']);
    await fx.sql('insert into public.pc_notes (id, owner, body) values ($1, $2, $3)', [noteId, USER_A, 'secret']);
    await fx.sql('delete from public.pc_notes where id = $1', [noteId]);
    const updated = await sub.waitFor((f) => f.data.table === 'pc_full');
    expect(updated.data.old_record).toEqual({ id, name: 'old' });
    expect(updated.data.record).toEqual({ id, name: 'new' });
    const deleted = await sub.waitFor((f) => f.data.table === 'pc_notes');
    expect(deleted.data.old_record).toEqual({ id: noteId });
  });

  it('applies eq, neq, lt, lte, gt, gte, in, AND, not., like, ilike, is.null and quoted values exactly', async () => {
    const ids = fx.ids(6) as [number, number, number, number, number, number];
    const [a, b, c, d, e, f] = ids;
    const sub = await fx.subscribe([
      { event: 'INSERT', schema: 'public', table: 'pc_items', filter: `id=eq.${c}`, id: 1 },
      { event: 'INSERT', schema: 'public', table: 'pc_items', filter: `id=neq.${c},id=gte.${a},id=lte.${f}`, id: 2 },
      { event: 'INSERT', schema: 'public', table: 'pc_items', filter: `id=lt.${c},id=gte.${a}`, id: 3 },
      { event: 'INSERT', schema: 'public', table: 'pc_items', filter: `id=gt.${d},id=lte.${f}`, id: 4 },
      { event: 'INSERT', schema: 'public', table: 'pc_items', filter: `id=in.(${b}, ${e})`, id: 5 },
      { event: 'INSERT', schema: 'public', table: 'pc_items', filter: `status=not.eq.draft,id=gte.${a}`, id: 6 },
      { event: 'INSERT', schema: 'public', table: 'pc_items', filter: 'name=like.ab%', id: 7 },
      { event: 'INSERT', schema: 'public', table: 'pc_items', filter: 'name=ilike.AB%', id: 8 },
      { event: 'INSERT', schema: 'public', table: 'pc_items', filter: `note=is.null,id=gte.${a}`, id: 9 },
      { event: 'INSERT', schema: 'public', table: 'pc_items', filter: 'name=eq."a,b"', id: 10 },
      { event: 'INSERT', schema: 'public', table: 'pc_items', filter: 'price=gt.9.5', id: 11 },
    ]);
    const rows: Array<[number, string | null, string | null, string | null, number | null]> = [
      [a, 'abc', 'live', 'set', 10],
      [b, 'ABd', 'draft', null, 9],
      [c, 'zz', null, 'x', 100],
      [d, 'a,b', 'done', null, null],
      [e, 'xab', 'live', 'x', 9.49],
      [f, 'a', 'live', 'x', 9.51],
    ];
    for (const [id, name, status, note, price] of rows) {
      await fx.sql('insert into public.pc_items (id, name, status, note, price) values ($1, $2, $3, $4, $5)', [id, name, status, note, price]);
    }
    await fx.settle(sub);
    const got = (binding: number) => idsFor(sub.frames, 'pc_items', binding);
    expect(got(1)).toEqual([c]);
    expect(got(2)).toEqual([a, b, d, e, f]);
    expect(got(3)).toEqual([a, b]);
    expect(got(4)).toEqual([e, f]);
    expect(got(5)).toEqual([b, e]);
    expect(got(6)).toEqual([a, d, e, f]); // NULL status is neither eq nor not-eq
    expect(got(7)).toEqual([a]);
    expect(got(8)).toEqual([a, b]);
    expect(got(9)).toEqual([b, d]);
    expect(got(10)).toEqual([d]);
    expect(got(11)).toEqual([a, c, f]); // numeric, not text, comparison
    // One frame per change, carrying every matching binding id.
    expect(rowsOf(sub.frames, 'pc_items').find((frame) => frame.data.record?.id === a)?.ids).toEqual([2, 3, 6, 7, 8, 11]);
  });

  it('scopes a schema-only binding to the published tables of that schema', async () => {
    const [id] = fx.ids(1) as [number];
    const sub = await fx.subscribe([{ event: '*', schema: 'pc_scope', id: 3 }]);
    await fx.sql('insert into pc_scope.unpublished (id) values ($1)', [id]);
    await fx.sql('insert into pc_scope.a (id) values ($1)', [id]);
    await fx.sql('insert into pc_scope.b (id) values ($1)', [id]);
    await fx.sql('insert into public.pc_full (id) values ($1)', [id]);
    await fx.settle(sub);
    expect(sub.frames.filter((frame) => frame.ids.includes(3)).map((frame) => `${frame.data.schema}.${frame.data.table}`)).toEqual(['pc_scope.a', 'pc_scope.b']);
  });

  it('reports invalid bindings with the real server messages', async () => {
    expect(await errorFor([{ event: 'INSERT', schema: 'public', table: 'pc_items', filter: 'id=foo.1' }])).toBe('Error parsing `filter` params: ["foo", "1"]');
    expect(await errorFor([{ event: 'INSERT', schema: 'public', table: 'pc_unpublished' }])).toBe(
      'Unable to subscribe to changes with given parameters. Please check Realtime is enabled for the given connect parameters: [event: INSERT, schema: public, table: pc_unpublished, filters: [], select: nil]',
    );
    expect(await errorFor([{ event: 'insert', schema: 'public', table: 'pc_items', filter: 'x=eq.1' }])).toBe(
      'Unable to subscribe to changes with given parameters. An exception happened so please check your connect parameters: [event: INSERT, schema: public, table: pc_items, filters: [{"x", "eq", "1", false}], select: nil]. Exception: ERROR P0001 (raise_exception) invalid column for filter x',
    );
    const many = Array.from({ length: 101 }, (_unused, index) => index).join(',');
    expect(await errorFor([{ event: '*', schema: 'public', table: 'pc_items', filter: `id=in.(${many})` }])).toContain('Exception: ERROR P0001 (raise_exception) too many values for `in` filter. Maximum 100');
    expect(await errorFor([{ event: '*', schema: 'public', table: 'pc_items', filter: 'id=eq.abc' }])).toBe(
      'Unable to subscribe to changes with given parameters. An exception happened so please check your connect parameters: [event: *, schema: public, table: pc_items, filters: [{"id", "eq", "abc", false}], select: nil]. Exception: ERROR 22P02 (invalid_text_representation) invalid input syntax for type integer: "abc"',
    );
    expect(await errorFor([{ event: '*', schema: 'public', table: 'pc_items', filter: 'id=in.1' }])).toBe('Error parsing `filter` params: `in` filter value must be wrapped by parentheses');
  });

  it('delivers INSERTs only to roles and claims RLS lets SELECT the row; DELETEs are not RLS-checked', async () => {
    const [mine, theirs, open] = fx.ids(3) as [number, number, number];
    const bindings = [
      { event: '*', schema: 'public', table: 'pc_notes', id: 1 },
      { event: 'INSERT', schema: 'public', table: 'pc_open', id: 2 },
    ];
    const anon = await fx.subscribe(bindings, { role: 'anon' });
    const userA = await fx.subscribe(bindings, authenticated(USER_A));
    const userB = await fx.subscribe(bindings, authenticated(USER_B));
    const service = await fx.subscribe(bindings, { role: 'service_role' });
    await fx.sql('insert into public.pc_notes (id, owner, body) values ($1, $2, $3)', [mine, USER_A, 'for A']);
    await fx.sql('insert into public.pc_notes (id, owner, body) values ($1, $2, $3)', [theirs, USER_B, 'for B']);
    await fx.sql('insert into public.pc_open (id, body) values ($1, $2)', [open, 'hello']);
    // RLS is checked against the table as it is when the change is processed (as the real server
    // does), so the row must still exist then: delete it only after the inserts were delivered.
    await fx.settle(anon, userA, userB, service);
    await fx.sql('delete from public.pc_notes where id = $1', [mine]);
    await fx.settle(anon, userA, userB, service);
    const seen = (sub: typeof anon) => sub.frames.filter((frame) => frame.data.table !== 'pc_markers').map((frame) => `${frame.data.type} ${frame.data.table} ${String((frame.data.record ?? frame.data.old_record)!.id)}`);
    expect(seen(anon)).toEqual([`DELETE pc_notes ${mine}`]);
    expect(seen(userA)).toEqual([`INSERT pc_notes ${mine}`, `INSERT pc_open ${open}`, `DELETE pc_notes ${mine}`]);
    expect(seen(userB)).toEqual([`INSERT pc_notes ${theirs}`, `INSERT pc_open ${open}`, `DELETE pc_notes ${mine}`]);
    expect(seen(service)).toEqual([`INSERT pc_notes ${mine}`, `INSERT pc_notes ${theirs}`, `INSERT pc_open ${open}`, `DELETE pc_notes ${mine}`]);
  });

  it('routes many subscribers with identical bindings together yet gives each what its own role and claims may see', async () => {
    const [forA, forB, open] = fx.ids(3) as [number, number, number];
    const bindings = [
      { event: 'INSERT', schema: 'public', table: 'pc_notes', id: 1 },
      { event: 'INSERT', schema: 'public', table: 'pc_open', id: 2 },
    ];
    const subscribeMany = (claims: Parameters<typeof fx.subscribe>[1]) => Promise.all(Array.from({ length: 4 }, () => fx.subscribe(bindings, claims)));
    const [usersA, usersB, anons] = [await subscribeMany(authenticated(USER_A)), await subscribeMany(authenticated(USER_B)), await subscribeMany({ role: 'anon' })];
    await fx.sql('insert into public.pc_notes (id, owner, body) values ($1, $2, $3), ($4, $5, $6)', [forA, USER_A, 'a', forB, USER_B, 'b']);
    await fx.sql('insert into public.pc_open (id, body) values ($1, $2)', [open, 'all signed-in']);
    const everyone = [...usersA, ...usersB, ...anons];
    await fx.settle(...everyone);
    const seen = (sub: (typeof everyone)[number]) => sub.frames.filter((frame) => frame.data.table !== 'pc_markers').map((frame) => `${frame.data.table} ${String(frame.data.record!.id)} ${frame.ids.join(',')}`);
    for (const sub of usersA) expect(seen(sub)).toEqual([`pc_notes ${forA} 1`, `pc_open ${open} 2`]);
    for (const sub of usersB) expect(seen(sub)).toEqual([`pc_notes ${forB} 1`, `pc_open ${open} 2`]);
    for (const sub of anons) expect(seen(sub)).toEqual([]);
  });

  it('uses the new claims after updateClaims and confirms with a fresh ok status', async () => {
    const [first, second] = fx.ids(2) as [number, number];
    const sub = await fx.subscribe([{ event: 'INSERT', schema: 'public', table: 'pc_notes', id: 1 }], authenticated(USER_B));
    await fx.sql('insert into public.pc_notes (id, owner, body) values ($1, $2, $3)', [first, USER_A, 'hidden from B']);
    await fx.settle(sub);
    fx.extension.updateClaims(sub.subscriber.key, authenticated(USER_A));
    expect(await sub.nextStatus()).toEqual({ status: 'ok', message: 'Subscribed to PostgreSQL' });
    await fx.sql('insert into public.pc_notes (id, owner, body) values ($1, $2, $3)', [second, USER_A, 'visible to A']);
    await fx.settle(sub);
    expect(idsFor(sub.frames, 'pc_notes')).toEqual([second]);
  });

  it('delivers 100 separately committed inserts in commit order, once each, and stops after unsubscribe', async () => {
    const ids = fx.ids(100);
    const sub = await fx.subscribe([{ event: 'INSERT', schema: 'public', table: 'pc_full', filter: `id=gte.${ids[0]}`, id: 4 }]);
    for (const id of ids) await fx.sql('insert into public.pc_full (id) values ($1)', [id]);
    await sub.waitFor((frame) => frame.data.record?.id === ids.at(-1));
    expect(idsFor(sub.frames, 'pc_full')).toEqual(ids);
    fx.extension.unsubscribe(sub.subscriber.key);
    const watcher = await fx.subscribe([{ event: 'INSERT', schema: 'public', table: 'pc_full', id: 5 }]);
    const [late] = fx.ids(1) as [number];
    await fx.sql('insert into public.pc_full (id) values ($1)', [late]);
    await fx.settle(watcher);
    expect(idsFor(watcher.frames, 'pc_full')).toEqual([late]);
    expect(idsFor(sub.frames, 'pc_full')).toEqual(ids);
  });
});
