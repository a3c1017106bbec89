/**
 * Realtime conformance — connection and framing: realtime-protocol.md §9 items 1–7.
 *
 * Judge: the official, unmodified @supabase/supabase-js client (realtime-js 2.119.x, `ws`
 * transport) against the local server over real sockets, every case under vsn 1.0.0 and 2.0.0.
 * Raw-frame assertions use a frame tap passed as `realtime.transport` (support/frame-tap.ts).
 *
 * Not asserted: the wall-clock figures of §9 ("within 1 s", "≈1 s", backoff 1 s/2 s/5 s/10 s)
 * — tests never assert timings (benchmarks do); waits are bounded instead. Item 5's "missing
 * apikey" half is impossible with the official client (its constructor throws).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { subscribeLogged, subscribed, waitForStatus } from '../../../../test-support/realtime-conformance/channel-status.js';
import { ClientPool, VSNS } from '../../../../test-support/realtime-conformance/clients.js';
import { EventLog } from '../../../../test-support/realtime-conformance/event-log.js';
import { createFrameTap, frameIs } from '../../../../test-support/realtime-conformance/frame-tap.js';
import { uniqueName } from '../../../../test-support/realtime-conformance/names.js';
import { listenPostgres, postgresReady } from '../../../../test-support/realtime-conformance/postgres-subscription.js';
import { rawUpgrade } from '../../../../test-support/realtime-conformance/raw-upgrade.js';
import { startDatabaseStack, type DatabaseStack } from '../../../../test-support/realtime-conformance/stack.js';
import { signClaims } from '../../../../test-support/realtime-conformance/tokens.js';

let stack: DatabaseStack;
beforeAll(async () => {
  stack = await startDatabaseStack();
});
afterAll(async () => {
  await stack?.close();
});

describe.each(VSNS)('connection and framing, vsn %s', (vsn) => {
  let clients: ClientPool;
  beforeEach(() => {
    clients = new ClientPool(stack);
  });
  afterEach(async () => {
    await clients.closeAll();
  });

  it('opens /realtime/v1/websocket with the apikey and vsn and reaches SUBSCRIBED (§9.1)', async () => {
    const tap = createFrameTap();
    const client = await clients.make({ vsn, tap });
    const statuses = await subscribed(client.channel(uniqueName('open')));
    const [connection] = tap.connections.items;
    expect(connection?.url.pathname).toBe('/realtime/v1/websocket');
    expect(connection?.url.searchParams.get('apikey')).toBe(stack.anonKey);
    expect(connection?.url.searchParams.get('vsn')).toBe(vsn);
    expect(statuses.items).toEqual([{ status: 'SUBSCRIBED' }]);
  });

  it('answers every heartbeat with an ok reply carrying the same ref (§9.2)', async () => {
    const tap = createFrameTap();
    const client = await clients.make({ vsn, tap, heartbeatIntervalMs: 500 });
    const heartbeats = new EventLog<string>('heartbeat callback');
    client.realtime.onHeartbeat((status) => heartbeats.push(status));
    await subscribed(client.channel(uniqueName('heartbeat')));
    await heartbeats.waitForCount((status) => status === 'ok', 2);
    expect(heartbeats.count((status) => status === 'timeout' || status === 'error')).toBe(0);
    const sent = tap.frames.filter(frameIs('out', 'heartbeat', 'phoenix')).slice(0, 2);
    expect(sent).toHaveLength(2);
    for (const heartbeat of sent) {
      expect(heartbeat.message?.payload).toEqual({});
      const reply = tap.frames.items.find((frame) => frame.dir === 'in' && frame.message?.ref === heartbeat.message?.ref);
      expect(reply?.message).toMatchObject({ topic: 'phoenix', event: 'phx_reply', payload: { status: 'ok', response: {} } });
    }
  });

  it('takes the client back to SUBSCRIBED after a heartbeat timeout: reconnect and rejoin (§9.3)', async () => {
    const tap = createFrameTap();
    const client = await clients.make({ vsn, tap, heartbeatIntervalMs: 500 });
    const channel = client.channel(uniqueName('hb-timeout'));
    const statuses = await subscribed(channel);
    stack.faults().ignoreHeartbeats(true);
    const teardown = await tap.clientCloses.waitFor(() => true, { what: 'client close after heartbeat timeout' }).finally(() => {
      stack.faults().ignoreHeartbeats(false);
    });
    expect(teardown).toMatchObject({ conn: 0, code: 1000, reason: 'heartbeat timeout' });
    const errorAt = statuses.items.findIndex((entry) => entry.status === 'CHANNEL_ERROR');
    expect(errorAt).toBeGreaterThan(0);
    await waitForStatus(statuses, 'SUBSCRIBED', { after: errorAt, timeoutMs: 10_000 });
    const rejoin = tap.frames.items.find((frame) => frame.conn === 1 && frameIs('out', 'phx_join', channel.topic)(frame));
    const reply = tap.frames.items.find((frame) => frame.conn === 1 && frame.dir === 'in' && frame.message?.ref === rejoin?.message?.ref);
    expect(reply?.message).toMatchObject({ topic: channel.topic, event: 'phx_reply', payload: { status: 'ok' } });
  });

  it('rejoins with a new join_ref carrying access_token and version after the server drops the TCP connection (§9.4)', async () => {
    const tap = createFrameTap();
    const client = await clients.make({ vsn, tap });
    const channel = client.channel(uniqueName('tcp-drop'));
    const statuses = await subscribed(channel);
    const firstJoin = tap.frames.items.find(frameIs('out', 'phx_join', channel.topic));
    expect(stack.faults().dropConnections()).toBe(1);
    const errorEntry = await waitForStatus(statuses, 'CHANNEL_ERROR', { after: 1 });
    await waitForStatus(statuses, 'SUBSCRIBED', { after: statuses.items.indexOf(errorEntry), timeoutMs: 10_000 });
    const rejoin = tap.frames.items.find((frame) => frame.conn === 1 && frameIs('out', 'phx_join', channel.topic)(frame));
    expect(rejoin?.message?.join_ref).toBeTruthy();
    expect(rejoin?.message?.join_ref).not.toBe(firstJoin?.message?.join_ref);
    expect(rejoin?.message?.payload).toMatchObject({ access_token: stack.anonKey, version: expect.stringMatching(/^realtime-js\//) });
    const reply = tap.frames.items.find((frame) => frame.conn === 1 && frame.dir === 'in' && frame.message?.ref === rejoin?.message?.ref);
    expect(reply?.message?.payload).toMatchObject({ status: 'ok' });
  });

  it('refuses an upgrade with an invalid or expired apikey with HTTP 401 and a JSON error (§9.5)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases = [
      { key: await signClaims('another-secret-another-secret-123', { role: 'anon', exp: now + 3600 }), error: 'Failed to validate JWT signature' },
      { key: await signClaims(stack.jwtSecret, { role: 'anon', exp: now - 60 }), error: 'Token has expired' },
      { key: 'not-a-jwt', error: 'The token provided is not a valid JWT' },
    ];
    for (const { key, error } of cases) {
      const outcome = await rawUpgrade(`ws://127.0.0.1:${stack.port}/realtime/v1/websocket?apikey=${encodeURIComponent(key)}&vsn=${vsn}`);
      expect(outcome.status).toBe(401);
      expect(JSON.parse(outcome.body)).toEqual({ error });
    }
  });

  it('leaves a client with a bad apikey in CHANNEL_ERROR once while it keeps retrying (§9.5)', async () => {
    const tap = createFrameTap();
    const badKey = await signClaims('another-secret-another-secret-123', { role: 'anon', exp: Math.floor(Date.now() / 1000) + 3600 });
    const client = await clients.make({ vsn, tap, key: badKey });
    const statuses = subscribeLogged(client.channel(uniqueName('bad-key')));
    await waitForStatus(statuses, 'CHANNEL_ERROR');
    await tap.closed.waitForCount(() => true, 3, { timeoutMs: 10_000, what: 'refused connection attempt' });
    expect(tap.opens.count()).toBe(0);
    expect(statuses.items).toEqual([{ status: 'CHANNEL_ERROR', error: expect.any(String) }]);
  });

  it('carries a whole session (join, broadcast, presence, postgres change) in the frames of its protocol version (§9.6)', async () => {
    const tap = createFrameTap();
    const client = await clients.make({ vsn, tap });
    const [rowId] = stack.ids(1);
    const broadcasts = new EventLog<unknown>('broadcasts');
    const joins = new EventLog<unknown>('presence joins');
    const channelName = uniqueName('session');
    const subscription = listenPostgres(client, channelName, [{ event: 'INSERT', schema: 'public', table: 'todos', filter: `id=eq.${rowId}` }], {
      config: { broadcast: { self: true, ack: true }, presence: { key: 'me' } },
      setup: (channel) => {
        channel.on('broadcast', { event: 'hello' }, (message) => broadcasts.push(message));
        channel.on('presence', { event: 'join' }, (payload) => joins.push(payload));
      },
    });
    await waitForStatus(subscription.statuses, 'SUBSCRIBED');
    await postgresReady(subscription);
    expect(await subscription.channel.send({ type: 'broadcast', event: 'hello', payload: { n: 1 } })).toBe('ok');
    await broadcasts.waitFor(() => true);
    expect(await subscription.channel.track({ online: true })).toBe('ok');
    await joins.waitFor(() => true);
    await stack.pool.query('insert into public.todos (id, name) values ($1, $2)', [rowId, 'session']);
    const [event] = await subscription.changes.collect(1);
    expect(event?.change.new).toMatchObject({ id: rowId, name: 'session' });

    for (const frame of tap.frames.items) {
      if (vsn === '1.0.0') {
        expect(frame.binary).toBe(false);
        expect(frame.form).toBe('object');
      } else if (frame.binary) {
        expect(frame.kind).toBe(frame.dir === 'out' ? 3 : 4);
      } else {
        expect(frame.form).toBe('array');
      }
    }
    if (vsn === '1.0.0') {
      const join = tap.frames.items.find(frameIs('out', 'phx_join', subscription.channel.topic));
      expect(Object.keys(join?.message ?? {}).sort()).toEqual(['event', 'join_ref', 'payload', 'ref', 'topic']);
    }
  });

  it('never sends binary kinds 0–2 and sends JSON only in text frames (§9.7)', async () => {
    const tap = createFrameTap();
    const client = await clients.make({ vsn, tap, heartbeatIntervalMs: 500 });
    const peer = await clients.make({ vsn: '2.0.0' });
    const heartbeats = new EventLog<string>('heartbeats');
    client.realtime.onHeartbeat((status) => heartbeats.push(status));
    const name = uniqueName('raw');
    const [rowId] = stack.ids(1);
    const received = new EventLog<unknown>('broadcasts');
    const subscription = listenPostgres(client, name, [{ event: '*', schema: 'public', table: 'todos', filter: `id=eq.${rowId}` }], {
      config: { broadcast: { self: true }, presence: { key: 'raw' } },
      setup: (channel) => {
        channel.on('broadcast', { event: '*' }, (message) => received.push(message));
        channel.on('presence', { event: 'sync' }, () => undefined);
      },
    });
    await waitForStatus(subscription.statuses, 'SUBSCRIBED');
    await postgresReady(subscription);
    const peerChannel = peer.channel(name);
    await subscribed(peerChannel);
    await subscription.channel.send({ type: 'broadcast', event: 'self', payload: { from: 'me' } });
    await peerChannel.send({ type: 'broadcast', event: 'peer', payload: { from: 'peer', text: 'ünï' } });
    await peerChannel.httpSend('rest', { from: 'rest' });
    await received.waitForCount(() => true, 3);
    await subscription.channel.track({ here: true });
    await stack.pool.query('insert into public.todos (id, name) values ($1, $2)', [rowId, 'raw']);
    await subscription.changes.collect(1);
    await heartbeats.waitFor((status) => status === 'ok');

    const inbound = tap.frames.filter((frame) => frame.dir === 'in');
    expect(inbound.length).toBeGreaterThan(5);
    for (const frame of inbound) {
      if (frame.binary) {
        expect(vsn).toBe('2.0.0');
        expect(frame.kind).toBe(4);
        expect(frame.message).toBeDefined();
      } else {
        expect(frame.form).toBe(vsn === '1.0.0' ? 'object' : 'array');
      }
    }
  });
});
