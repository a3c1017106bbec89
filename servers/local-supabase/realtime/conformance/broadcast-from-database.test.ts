/**
 * Realtime conformance — Broadcast from Database and private-channel authorization, under vsn
 * 1.0.0 and 2.0.0 with the official supabase-js: `realtime.send` / `realtime.broadcast_changes`
 * delivery and payload shape, join allowed/refused by `realtime.messages` policies (roles,
 * `realtime.topic()` patterns, anon), token change revoking access, public messages kept from
 * private subscribers, replay (order, limit, `meta.replayed`), `replication_ready`, `send`
 * failures as a WARNING only, and daily partitions with 3-day retention. Cases follow
 * supabase/realtime's test/e2e/realtime-check.ts where they apply. Absence is asserted after a
 * later positive marker on the same channel, never after a sleep.
 */
import { spawnSync } from 'node:child_process';
import type { RealtimeChannel, SupabaseClient } from '@supabase/supabase-js';
import pg from 'pg';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { subscribeLogged, subscribed, waitForStatus } from '../../../../test-support/realtime-conformance/channel-status.js';
import { ClientPool, VSNS, type Vsn } from '../../../../test-support/realtime-conformance/clients.js';
import { EventLog } from '../../../../test-support/realtime-conformance/event-log.js';
import { uniqueName } from '../../../../test-support/realtime-conformance/names.js';
import { startDatabaseStack, type DatabaseStack } from '../../../../test-support/realtime-conformance/stack.js';
import { signUserToken } from '../../../../test-support/realtime-conformance/tokens.js';
import { waitFor } from '../../../../test-support/wait-for.js';
import { dropOrphanedSlots } from '../database-broadcast/database-broadcast.js';
import { maintainPartitions, partitionName } from '../database-broadcast/partitions.js';

const USER_A = '11111111-1111-4111-8111-111111111111';
const USER_B = '22222222-2222-4222-8222-222222222222';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Received {
  type: string;
  event: string;
  payload: Record<string, unknown>;
  meta?: { id?: string; replayed?: boolean };
}

interface SystemMessage {
  extension: string;
  status: string;
  message: string;
  channel: string;
}

let stack: DatabaseStack;
beforeAll(async () => {
  stack = await startDatabaseStack();
  await stack.pool.query(`
    create policy conf_read_readable on realtime.messages for select to authenticated using (realtime.topic() like 'readable:%');
    create policy conf_write_writable on realtime.messages for insert to authenticated with check (realtime.topic() like 'readable:w-%');
    create policy conf_read_user_a on realtime.messages for select to authenticated
      using (realtime.topic() like 'user-a:%' and auth.uid() = '${USER_A}'::uuid);
    create policy conf_read_presence_or_user_a on realtime.messages for select to authenticated
      using (realtime.topic() like 'partial:%' and (extension = 'presence' or auth.uid() = '${USER_A}'::uuid));
    create policy conf_anon_read on realtime.messages for select to anon using (realtime.topic() like 'anon-ok:%');
    create table public.bfd_items (id int primary key, name text);
    create function public.bfd_items_broadcast() returns trigger language plpgsql as $$
    begin
      perform realtime.broadcast_changes('readable:items-' || coalesce(new.id, old.id)::text, tg_op, tg_op, tg_table_name, tg_table_schema, new, old);
      return null;
    end $$;
    create trigger bfd_items_broadcast after insert or update or delete on public.bfd_items for each row execute function public.bfd_items_broadcast();
  `);
});
afterAll(async () => {
  await stack?.close();
});

async function send(topic: string, event: string, payload: unknown, isPrivate = true): Promise<void> {
  await stack.pool.query('select realtime.send($1::jsonb, $2, $3, $4)', [JSON.stringify(payload), event, topic, isPrivate]);
}

function listen(channel: RealtimeChannel, event = '*'): EventLog<Received> {
  const log = new EventLog<Received>(`broadcast '${event}' on ${channel.topic}`);
  channel.on('broadcast', { event }, (message) => log.push(message as Received));
  return log;
}

function systemLog(channel: RealtimeChannel): EventLog<SystemMessage> {
  const log = new EventLog<SystemMessage>(`system on ${channel.topic}`);
  channel.on('system', {}, (message: SystemMessage) => log.push(message));
  return log;
}

describe.each(VSNS)('broadcast from database, vsn %s', (vsn: Vsn) => {
  let clients: ClientPool;
  beforeEach(() => {
    clients = new ClientPool(stack);
  });
  afterEach(async () => {
    await clients.closeAll();
  });

  async function userClient(sub = USER_A, token?: { current: string }): Promise<SupabaseClient> {
    const holder = token ?? { current: await signUserToken(stack.jwtSecret, sub) };
    return clients.make({ vsn, accessToken: () => holder.current, heartbeatIntervalMs: 500, disconnectOnEmptyChannelsAfterMs: 60_000 });
  }

  it('delivers realtime.send to a private subscriber as {type, event, payload + id, meta: {id}}', async () => {
    const name = uniqueName('readable:send');
    const channel = (await userClient()).channel(name, { config: { private: true } });
    const received = listen(channel);
    await subscribed(channel);
    await send(name, 'metric', { value: 42 });
    const message = await received.waitFor(() => true);
    expect(message).toEqual({ type: 'broadcast', event: 'metric', payload: { value: 42, id: expect.stringMatching(UUID) }, meta: { id: message.payload.id } });
  });

  it('keeps an id the payload already has', async () => {
    const name = uniqueName('readable:own-id');
    const channel = (await userClient()).channel(name, { config: { private: true } });
    const received = listen(channel);
    await subscribed(channel);
    await send(name, 'e', { id: 'mine', n: 1 });
    const message = await received.waitFor(() => true);
    expect(message.payload).toEqual({ id: 'mine', n: 1 });
    expect(message.meta?.id).toMatch(UUID);
    expect(message.meta?.id).not.toBe('mine');
  });

  it('delivers in commit order, within and across transactions', async () => {
    const name = uniqueName('readable:order');
    const channel = (await userClient()).channel(name, { config: { private: true } });
    const received = listen(channel);
    await subscribed(channel);
    const client = await stack.pool.connect();
    try {
      await client.query('begin');
      for (let n = 0; n < 10; n += 1) await client.query('select realtime.send($1::jsonb, $2, $3)', [JSON.stringify({ n }), 'seq', name]);
      await client.query('commit');
    } finally {
      client.release();
    }
    for (let n = 10; n < 15; n += 1) await send(name, 'seq', { n });
    const messages = await received.waitForCount(() => true, 15);
    expect(messages.map((message) => message.payload.n)).toEqual(Array.from({ length: 15 }, (_unused, n) => n));
  });

  it('delivers realtime.broadcast_changes from a row trigger as {old_record, record, operation, table, schema}', async () => {
    const [id] = stack.ids(1) as [number];
    const channel = (await userClient()).channel(`readable:items-${id}`, { config: { private: true } });
    const received = listen(channel);
    await subscribed(channel);
    await stack.pool.query('insert into public.bfd_items (id, name) values ($1, $2)', [id, 'first']);
    await stack.pool.query('update public.bfd_items set name = $2 where id = $1', [id, 'second']);
    await stack.pool.query('delete from public.bfd_items where id = $1', [id]);
    const [insert, update, remove] = await received.waitForCount(() => true, 3);
    expect(insert).toMatchObject({ event: 'INSERT', payload: { operation: 'INSERT', table: 'bfd_items', schema: 'public', record: { id, name: 'first' }, old_record: null } });
    expect(update).toMatchObject({ event: 'UPDATE', payload: { operation: 'UPDATE', record: { id, name: 'second' }, old_record: { id, name: 'first' } } });
    expect(remove).toMatchObject({ event: 'DELETE', payload: { operation: 'DELETE', record: null, old_record: { id, name: 'second' } } });
  });

  it('refuses a private join without a read policy, with Supabase’s error text', async () => {
    const name = uniqueName('closed');
    const channel = (await userClient()).channel(name, { config: { private: true } });
    const statuses = subscribeLogged(channel);
    expect((await waitForStatus(statuses, 'CHANNEL_ERROR')).error).toBe(`Unauthorized: You do not have permissions to read from this Channel topic: ${name}`);
  });

  it('decides by the caller’s claims: auth.uid() in a policy admits user A and refuses user B', async () => {
    const name = uniqueName('user-a:topic');
    const allowed = (await userClient(USER_A)).channel(name, { config: { private: true } });
    await subscribed(allowed);
    const refused = (await userClient(USER_B)).channel(name, { config: { private: true } });
    expect((await waitForStatus(subscribeLogged(refused), 'CHANNEL_ERROR')).error).toMatch(/^Unauthorized: You do not have permissions to read/);
  });

  it('admits anon only where a policy allows anon', async () => {
    const anon = await clients.make({ vsn });
    const open = anon.channel(uniqueName('anon-ok:room'), { config: { private: true } });
    await subscribed(open);
    const name = uniqueName('readable:not-for-anon');
    const closed = anon.channel(name, { config: { private: true } });
    expect((await waitForStatus(subscribeLogged(closed), 'CHANNEL_ERROR')).error).toBe(`Unauthorized: You do not have permissions to read from this Channel topic: ${name}`);
  });

  it('shuts the channel down when a new access token loses the read policy', async () => {
    const token = { current: await signUserToken(stack.jwtSecret, USER_A) };
    const client = await userClient(USER_A, token);
    const channel = client.channel(uniqueName('user-a:revoke'), { config: { private: true } });
    const system = systemLog(channel);
    const statuses = await subscribed(channel);
    token.current = await signUserToken(stack.jwtSecret, USER_B);
    await client.realtime.setAuth(token.current);
    expect(await system.waitFor((message) => message.status === 'error')).toMatchObject({
      extension: 'system',
      message: `You do not have permissions to read from this Channel topic: ${channel.subTopic}`,
    });
    await waitForStatus(statuses, 'CLOSED');
  });

  it('says "no longer" when a new token keeps presence but loses broadcast (partial revocation)', async () => {
    const token = { current: await signUserToken(stack.jwtSecret, USER_A) };
    const client = await userClient(USER_A, token);
    const channel = client.channel(uniqueName('partial:room'), { config: { private: true, presence: { enabled: true } } });
    channel.on('presence', { event: 'sync' }, () => undefined);
    const system = systemLog(channel);
    const statuses = await subscribed(channel);
    token.current = await signUserToken(stack.jwtSecret, USER_B);
    await client.realtime.setAuth(token.current);
    expect(await system.waitFor((message) => message.status === 'error')).toMatchObject({
      message: `You no longer have permission to read from this Channel topic: ${channel.subTopic}`,
    });
    await waitForStatus(statuses, 'CLOSED');
  });

  it('keeps public database messages from private subscribers (and private ones from public subscribers)', async () => {
    const name = uniqueName('readable:split');
    const privateChannel = (await userClient()).channel(name, { config: { private: true } });
    const publicChannel = (await clients.make({ vsn })).channel(name);
    const atPrivate = listen(privateChannel);
    const atPublic = listen(publicChannel);
    await subscribed(privateChannel);
    await subscribed(publicChannel);
    await send(name, 'public-one', {}, false);
    await send(name, 'private-one', {}, true);
    await send(name, 'public-marker', {}, false);
    await atPrivate.waitFor((message) => message.event === 'private-one');
    await atPublic.waitFor((message) => message.event === 'public-marker');
    expect(atPrivate.items.map((message) => message.event)).toEqual(['private-one']);
    expect(atPublic.items.map((message) => message.event)).toEqual(['public-one', 'public-marker']);
  });

  it('relays a client broadcast on a private channel only with an INSERT policy', async () => {
    const writable = uniqueName('readable:w-room');
    const sender = (await userClient()).channel(writable, { config: { private: true } });
    const peer = (await userClient()).channel(writable, { config: { private: true } });
    const atPeer = listen(peer);
    await subscribed(sender);
    await subscribed(peer);
    await sender.send({ type: 'broadcast', event: 'from-client', payload: { ok: true } });
    expect(await atPeer.waitFor(() => true)).toMatchObject({ event: 'from-client', payload: { ok: true } });

    const readOnly = uniqueName('readable:r-room');
    const mute = (await userClient()).channel(readOnly, { config: { private: true } });
    const listener = (await userClient()).channel(readOnly, { config: { private: true } });
    const atListener = listen(listener);
    await subscribed(mute);
    await subscribed(listener);
    void mute.send({ type: 'broadcast', event: 'dropped', payload: {} });
    await send(readOnly, 'marker', {});
    await atListener.waitFor((message) => message.event === 'marker');
    expect(atListener.items.map((message) => message.event)).toEqual(['marker']);
  });

  it('relays a REST broadcast to a private topic only with an INSERT policy (the service role bypasses policies)', async () => {
    const post = async (token: string, topic: string, event: string) => {
      const response = await fetch(`${stack.url}/realtime/v1/api/broadcast`, {
        method: 'POST',
        headers: { apikey: stack.anonKey, authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ messages: [{ topic, event, payload: { forged: true }, private: true }] }),
      });
      expect(response.status).toBe(202);
    };
    const userToken = await signUserToken(stack.jwtSecret, USER_A);

    const readOnly = uniqueName('readable:r-rest');
    const listener = (await userClient()).channel(readOnly, { config: { private: true } });
    const atListener = listen(listener);
    await subscribed(listener);
    await post(userToken, readOnly, 'forged-by-a-viewer');
    await post(stack.anonKey, readOnly, 'forged-by-anon');
    await post(stack.serviceKey, readOnly, 'from-the-service-role');
    await atListener.waitFor((message) => message.event === 'from-the-service-role');
    expect(atListener.items.map((message) => message.event)).toEqual(['from-the-service-role']);

    const writable = uniqueName('readable:w-rest');
    const peer = (await userClient()).channel(writable, { config: { private: true } });
    const atPeer = listen(peer);
    await subscribed(peer);
    await post(userToken, writable, 'allowed-by-policy');
    expect(await atPeer.waitFor(() => true)).toMatchObject({ event: 'allowed-by-policy' });
  });

  it('replays stored messages at join, oldest first, capped by limit, marked meta.replayed, then goes live without doubles', async () => {
    const name = uniqueName('readable:replay');
    const since = Date.now() - 1_000;
    for (let n = 0; n < 8; n += 1) await send(name, 'stored', { n });
    const channel = (await userClient()).channel(name, { config: { private: true, broadcast: { replay: { since, limit: 5 } } } });
    const received = listen(channel);
    await subscribed(channel);
    const replayed = await received.waitForCount(() => true, 5);
    expect(replayed.map((message) => message.payload.n)).toEqual([3, 4, 5, 6, 7]);
    for (const message of replayed) expect(message.meta).toEqual({ replayed: true, id: message.payload.id });
    await send(name, 'live', { n: 8 });
    const live = await received.waitFor((message) => message.event === 'live');
    expect(live.meta).toEqual({ id: live.payload.id });
    expect(received.items).toHaveLength(6);
  });

  it('caps replay at 25 messages and skips messages older than since', async () => {
    const name = uniqueName('readable:replay-cap');
    await stack.pool.query(
      `insert into realtime.messages (topic, extension, event, payload, private, inserted_at)
       select $1, 'broadcast', 'old', jsonb_build_object('n', n), true, now() - interval '10 minutes' from generate_series(0, 2) n`,
      [name],
    );
    const since = Date.now() - 60_000;
    for (let n = 0; n < 30; n += 1) await send(name, 'new', { n });
    const channel = (await userClient()).channel(name, { config: { private: true, broadcast: { replay: { since, limit: 100 } } } });
    const received = listen(channel);
    await subscribed(channel);
    const replayed = await received.waitForCount(() => true, 25);
    expect(replayed.map((message) => message.payload.n)).toEqual(Array.from({ length: 25 }, (_unused, n) => n + 5));
    expect(replayed.every((message) => message.event === 'new' && message.meta?.replayed === true)).toBe(true);
    await send(name, 'marker', {});
    await received.waitFor((message) => message.event === 'marker');
    expect(received.items).toHaveLength(26);
  });

  it('refuses replay with invalid params', async () => {
    const client = await userClient();
    const invalid = client.channel(uniqueName('readable:replay-invalid'), { config: { private: true, broadcast: { replay: { since: 'yesterday' } } } as never });
    expect((await waitForStatus(subscribeLogged(invalid), 'CHANNEL_ERROR')).error).toBe('UnableToReplayMessages: Replay params are not valid');
  });

  it('sends replication_ready once database messages can flow', async () => {
    const channel = (await userClient()).channel(uniqueName('readable:ready'), { config: { private: true, broadcast: { replication_ready: true } } });
    const system = systemLog(channel);
    await subscribed(channel);
    expect(await system.waitFor(() => true)).toEqual({ extension: 'system', status: 'ok', message: 'Replication connection established', channel: channel.subTopic });
  });
});

describe('join checks the official client makes first', () => {
  it('refuses replay on a public channel (supabase-js throws before joining; a raw client gets the server’s answer)', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${stack.port}/realtime/v1/websocket?apikey=${stack.anonKey}&vsn=1.0.0`);
    const replies = new EventLog<{ topic: string; event: string; payload: { status: string; response: { reason?: string } } }>('frames');
    socket.on('message', (data) => replies.push(JSON.parse(String(data))));
    await new Promise<void>((resolve, reject) => socket.once('open', () => resolve()).once('error', reject));
    try {
      const topic = `realtime:${uniqueName('readable:replay-public')}`;
      socket.send(JSON.stringify({ topic, event: 'phx_join', payload: { config: { broadcast: { replay: { since: 0 } } } }, ref: '1', join_ref: '1' }));
      const reply = await replies.waitFor((frame) => frame.topic === topic && frame.event === 'phx_reply');
      expect(reply.payload).toEqual({ status: 'error', response: { reason: 'UnableToReplayMessages: Replay is not allowed for public channels' } });
    } finally {
      socket.close();
    }
  });
});

describe('realtime schema', () => {
  it('turns a failing realtime.send into a WARNING: the caller’s transaction commits', async () => {
    const client = new pg.Client({ connectionString: stack.db.databaseUrl });
    const notices: Array<{ severity: string; message: string }> = [];
    client.on('notice', (notice) => notices.push({ severity: (notice as { severity?: string }).severity ?? '', message: notice.message ?? '' }));
    await client.connect();
    try {
      const id = stack.ids(1)[0]!;
      await client.query('begin');
      await client.query('insert into public.markers (id, label) values ($1, $2)', [id, 'kept']);
      await client.query(`select realtime.send('{}'::jsonb, 'e', null)`);
      await client.query('commit');
      expect(notices).toEqual([{ severity: 'WARNING', message: expect.stringMatching(/^WarnSendingBroadcastMessage: null value in column "topic"/) }]);
      expect((await stack.pool.query('select label from public.markers where id = $1', [id])).rows).toEqual([{ label: 'kept' }]);
    } finally {
      await client.end();
    }
  });

  it('rejects broadcast_changes at STATEMENT level', async () => {
    await expect(
      stack.pool.query(`select realtime.broadcast_changes('t', 'e', 'INSERT', 'x', 'public', null::record, null::record, 'STATEMENT')`),
    ).rejects.toThrow('Failed to process the row: function can only be triggered for each row, not for each statement');
  });

  it('stores realtime.send_binary messages with a binary payload', async () => {
    const topic = uniqueName('binary');
    await stack.pool.query(`select realtime.send_binary('\\x0102ff'::bytea, 'bin', $1, true)`, [topic]);
    const { rows } = await stack.pool.query<{ payload: unknown; binary_payload: Buffer }>('select payload, binary_payload from realtime.messages where topic = $1', [topic]);
    expect(rows).toEqual([{ payload: null, binary_payload: Buffer.from([1, 2, 255]) }]);
  });

  it('keeps daily partitions from yesterday to three days ahead and drops days past the 72 h retention', async () => {
    const now = new Date();
    const old = new Date(now.getTime() - 5 * 86_400_000);
    const oldName = partitionName(old);
    const oldDay = old.toISOString().slice(0, 10);
    const nextDay = new Date(old.getTime() + 86_400_000).toISOString().slice(0, 10);
    await stack.pool.query(`create table realtime.${oldName} partition of realtime.messages for values from ('${oldDay}') to ('${nextDay}')`);
    await stack.pool.query(`insert into realtime.messages (topic, extension, payload, inserted_at) values ('old', 'broadcast', '{}', $1)`, [`${oldDay} 12:00:00`]);
    const result = await maintainPartitions(stack.pool, now);
    expect(result.dropped).toEqual([oldName]);
    const { rows } = await stack.pool.query<{ name: string }>(
      `select child.relname as name from pg_inherits join pg_class child on child.oid = pg_inherits.inhrelid
        where pg_inherits.inhparent = 'realtime.messages'::regclass order by 1`,
    );
    const expected = [-1, 0, 1, 2, 3].map((offset) => partitionName(new Date(now.getTime() + offset * 86_400_000)));
    expect(rows.map((row) => row.name)).toEqual(expect.arrayContaining(expected));
    expect(rows.map((row) => row.name)).not.toContain(oldName);
    expect((await stack.pool.query(`select count(*)::int as n from realtime.messages where topic = 'old'`)).rows).toEqual([{ n: 0 }]);
  });
});

describe('re-authorization that fails for a transient reason (review M6)', () => {
  let clients: ClientPool;
  beforeEach(() => {
    clients = new ClientPool(stack);
  });
  afterEach(async () => {
    await clients.closeAll();
  });

  // A busy pool, a database restart or a lock must not disconnect a viewer who did nothing
  // wrong: the channel stays on its previous (authorized, unexpired) token and tries again.
  it('keeps the channel on its previous token and policies and retries, instead of closing it', async () => {
    const token = { current: await signUserToken(stack.jwtSecret, USER_A) };
    const client = await clients.make({ vsn: '2.0.0', accessToken: () => token.current, heartbeatIntervalMs: 500, disconnectOnEmptyChannelsAfterMs: 60_000 });
    const name = uniqueName('user-a:transient');
    const channel = client.channel(name, { config: { private: true } });
    const system = systemLog(channel);
    const received = listen(channel);
    const statuses = await subscribed(channel);
    const locker = await stack.pool.connect();
    const lockWaiters = async () =>
      (await stack.pool.query<{ n: number }>("select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like 'insert into realtime.messages%'")).rows[0]?.n ?? 0;
    try {
      // Every authorization statement on realtime.messages waits behind this lock until its statement_timeout.
      await locker.query('begin');
      await locker.query('lock table realtime.messages in access exclusive mode');
      token.current = await signUserToken(stack.jwtSecret, USER_A, 7200);
      await client.realtime.setAuth(token.current);
      await waitFor(async () => (await lockWaiters()) > 0, 'the re-authorization waiting on the lock');
      await waitFor(async () => (await lockWaiters()) === 0, 'the re-authorization timing out', 15_000);
    } finally {
      await locker.query('commit');
      locker.release();
    }
    // The retry (1 s later) finds the table free; the channel never closed meanwhile.
    await send(name, 'after-retry', {});
    await received.waitFor((message) => message.event === 'after-retry', { timeoutMs: 10_000 });
    expect(system.filter((message) => message.status === 'error')).toEqual([]);
    expect(statuses.filter((entry) => entry.status !== 'SUBSCRIBED')).toEqual([]);
  }, 30_000);
});

describe('slots of other stand-ins on the same database (review L3)', () => {
  it('drops the inactive slots of stand-ins that died, never those of one still running', async () => {
    const prefix = 'switchyard_realtime_messages_l3test_';
    // A process that has exited: its pid names a dead stand-in.
    const exited = spawnSync(process.execPath, ['-e', 'process.exit(0)']);
    const deadPid = exited.pid!;
    const livePid = process.ppid;
    for (const pid of [deadPid, livePid]) await stack.pool.query("select pg_create_logical_replication_slot($1, 'pgoutput')", [`${prefix}${pid}`]);
    const logged: string[] = [];
    try {
      expect(await dropOrphanedSlots(stack.pool, prefix, (line) => logged.push(line))).toEqual([`${prefix}${deadPid}`]);
      const { rows } = await stack.pool.query<{ slot_name: string }>('select slot_name from pg_replication_slots where starts_with(slot_name, $1)', [prefix]);
      expect(rows.map((row) => row.slot_name)).toEqual([`${prefix}${livePid}`]);
      expect(logged).toEqual([expect.stringContaining(`${prefix}${deadPid}`)]);
    } finally {
      await stack.pool.query('select pg_drop_replication_slot(slot_name) from pg_replication_slots where starts_with(slot_name, $1)', [prefix]);
    }
  });
});
