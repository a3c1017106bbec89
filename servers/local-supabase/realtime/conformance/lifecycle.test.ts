/**
 * Realtime conformance — join / channel lifecycle: realtime-protocol.md §9 items 8–18, under
 * vsn 1.0.0 and 2.0.0. Item 15 (server-initiated close) and 16 (`phx_error`) are triggered
 * through the server's own fault hooks (`realtime.faults`); 15 is also covered by a token
 * expiring mid-session (§2.8). Item 17's "RLS decisions use the new claims" half needs
 * Postgres and lives in postgres-changes.test.ts; its wire half (no reply) is here.
 * Nothing skipped. Backoff timings (≈1 s) are not asserted, only that the rejoin happens.
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { subscribeLogged, subscribed, waitForStatus } from '../../../../test-support/realtime-conformance/channel-status.js';
import { ClientPool, VSNS, type Vsn } from '../../../../test-support/realtime-conformance/clients.js';
import { EventLog } from '../../../../test-support/realtime-conformance/event-log.js';
import { createFrameTap, frameIs, type FrameTap } from '../../../../test-support/realtime-conformance/frame-tap.js';
import type { TappedFrame } from '../../../../test-support/realtime-conformance/frames.js';
import { uniqueName } from '../../../../test-support/realtime-conformance/names.js';
import { listenPostgres, type Binding, type SystemMessage } from '../../../../test-support/realtime-conformance/postgres-subscription.js';
import { startStack, type ConformanceStack } from '../../../../test-support/realtime-conformance/stack.js';
import { signClaims, signExpiredToken, signRolelessToken, signUserToken } from '../../../../test-support/realtime-conformance/tokens.js';

const USER_A = '11111111-1111-4111-8111-111111111111';
const USER_B = '22222222-2222-4222-8222-222222222222';

let stack: ConformanceStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

/** The reply the server sent to an outgoing frame (matched on ref, same connection). */
function replyTo(tap: FrameTap, request: TappedFrame | undefined): TappedFrame | undefined {
  return tap.frames.items.find((frame) => frame.conn === request?.conn && frame.dir === 'in' && frame.message?.event === 'phx_reply' && frame.message.ref === request.message?.ref);
}

/** Waits until `n` heartbeats sent after `after` were answered: a positive marker on the socket. */
async function heartbeatRoundTrips(tap: FrameTap, n: number, after: number): Promise<void> {
  const sent = await tap.frames.waitForCount(frameIs('out', 'heartbeat', 'phoenix'), n, { after, timeoutMs: 10_000 });
  for (const heartbeat of sent) await tap.frames.waitFor((frame) => frame.dir === 'in' && frame.message?.ref === heartbeat.message?.ref, { after });
}

describe.each(VSNS)('channel lifecycle, vsn %s', (vsn: Vsn) => {
  let clients: ClientPool;
  beforeEach(() => {
    clients = new ClientPool(stack);
  });
  afterEach(async () => {
    await clients.closeAll();
  });

  /** A client whose realtime token is whatever `token.current` holds (supabase-js `accessToken`). */
  async function clientWithToken(token: { current: string }, tap?: FrameTap): Promise<SupabaseClient> {
    return clients.make({ vsn, ...(tap ? { tap } : {}), heartbeatIntervalMs: 500, disconnectOnEmptyChannelsAfterMs: 60_000, accessToken: () => token.current });
  }

  it('echoes every postgres_changes entry verbatim, in order, with a non-zero integer id (§9.8)', async () => {
    const bindings: Binding[] = [
      { event: 'INSERT', schema: 'public', table: 'todos', filter: 'id=eq.5' },
      { event: '*', schema: 'public', table: 'todos' },
      { event: 'UPDATE', schema: 'public', table: 'todos', filter: 'name=in.(red, blue)' },
      { event: 'DELETE', schema: 'public' },
    ];
    const tap = createFrameTap();
    const first = listenPostgres(await clients.make({ vsn, tap }), uniqueName('echo'), bindings, { marker: false });
    await waitForStatus(first.statuses, 'SUBSCRIBED');
    const reply = replyTo(tap, tap.frames.items.find(frameIs('out', 'phx_join', first.channel.topic)));
    expect(reply?.message?.payload.status).toBe('ok');
    const echoed = reply?.message?.payload.response.postgres_changes as Array<Binding & { id: number }>;
    expect(echoed.map(({ id: _id, ...entry }) => entry)).toEqual(bindings);
    for (const { id } of echoed) {
      expect(Number.isInteger(id)).toBe(true);
      expect(id).not.toBe(0);
    }
    expect(first.statuses.items).toEqual([{ status: 'SUBSCRIBED' }]);
    // Identical parameters give identical ids, on another channel and connection too.
    const otherTap = createFrameTap();
    const second = listenPostgres(await clients.make({ vsn, tap: otherTap }), uniqueName('echo-again'), bindings, { marker: false });
    await waitForStatus(second.statuses, 'SUBSCRIBED');
    const again = replyTo(otherTap, otherTap.frames.items.find(frameIs('out', 'phx_join', second.channel.topic)));
    expect((again?.message?.payload.response.postgres_changes as Array<{ id: number }>).map(({ id }) => id)).toEqual(echoed.map(({ id }) => id));
  });

  it('replies {postgres_changes: []} to a join without postgres bindings (§9.9)', async () => {
    const tap = createFrameTap();
    const channel = (await clients.make({ vsn, tap })).channel(uniqueName('plain'));
    const statuses = await subscribed(channel);
    const reply = replyTo(tap, tap.frames.items.find(frameIs('out', 'phx_join', channel.topic)));
    expect(reply?.message?.payload).toEqual({ status: 'ok', response: { postgres_changes: [] } });
    expect(statuses.items).toEqual([{ status: 'SUBSCRIBED' }]);
  });

  it('refuses the empty topic "realtime:" with TopicNameRequired (§9.10)', async () => {
    const statuses = subscribeLogged((await clients.make({ vsn })).channel(''));
    expect(await waitForStatus(statuses, 'CHANNEL_ERROR')).toEqual({ status: 'CHANNEL_ERROR', error: 'TopicNameRequired: You must provide a topic name' });
  });

  it('refuses a join with an expired access_token and lets the client retry on backoff (§9.11)', async () => {
    const token = { current: await signExpiredToken(stack.jwtSecret, 120) };
    const tap = createFrameTap();
    const channel = (await clientWithToken(token, tap)).channel(uniqueName('expired'));
    const statuses = subscribeLogged(channel);
    const [first, second] = await statuses.waitForCount((entry) => entry.status === 'CHANNEL_ERROR', 2, { timeoutMs: 10_000 });
    expect(first?.error).toMatch(/^InvalidJWTToken: Token has expired \d+ seconds ago$/);
    expect(second?.error).toMatch(/^InvalidJWTToken: Token has expired/);
    const joins = tap.frames.filter(frameIs('out', 'phx_join', channel.topic));
    expect(joins.length).toBeGreaterThanOrEqual(2);
    expect(joins[0]?.message?.payload.access_token).toBe(token.current);
    expect(new Set(joins.map((join) => join.message?.join_ref)).size).toBe(joins.length);
    expect(statuses.count((entry) => entry.status === 'SUBSCRIBED')).toBe(0);
  });

  it('refuses a token without role with "Fields `role` and `exp` are required in JWT" (§9.12)', async () => {
    const token = { current: await signRolelessToken(stack.jwtSecret) };
    const statuses = subscribeLogged((await clientWithToken(token)).channel(uniqueName('roleless')));
    expect((await waitForStatus(statuses, 'CHANNEL_ERROR')).error).toBe('InvalidJWTToken: Fields `role` and `exp` are required in JWT');
  });

  it('says an expired token without a role has expired (exp is checked before the required claims, as upstream)', async () => {
    const token = { current: await signClaims(stack.jwtSecret, { sub: USER_A, exp: Math.floor(Date.now() / 1000) - 45 }) };
    const statuses = subscribeLogged((await clientWithToken(token)).channel(uniqueName('expired-roleless')));
    expect((await waitForStatus(statuses, 'CHANNEL_ERROR')).error).toMatch(/^InvalidJWTToken: Token has expired \d+ seconds ago$/);
  });

  it('refuses a garbage token with MalformedJWT (§9.12)', async () => {
    const token = { current: 'this-is-not-a-jwt' };
    const statuses = subscribeLogged((await clientWithToken(token)).channel(uniqueName('garbage')));
    expect((await waitForStatus(statuses, 'CHANNEL_ERROR')).error).toBe('MalformedJWT: The token provided is not a valid JWT');
  });

  it('refuses a token signed with another secret with JwtSignatureError (§6)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = { current: await signClaims('another-secret-another-secret-123', { sub: USER_A, role: 'authenticated', exp: now + 3600 }) };
    const statuses = subscribeLogged((await clientWithToken(token)).channel(uniqueName('foreign')));
    expect((await waitForStatus(statuses, 'CHANNEL_ERROR')).error).toBe('JwtSignatureError: Failed to validate JWT signature');
  });

  it('refuses the 101st channel on one connection with ChannelRateLimitReached (§9.13)', async () => {
    // Own server: 101 joins in well under a second would otherwise trip the joins/s quota first.
    const roomy = await startStack({ limits: { maxJoinsPerSecond: 100_000 } });
    const pool = new ClientPool(roomy);
    try {
      const client = await pool.make({ vsn });
      const prefix = uniqueName('many');
      await Promise.all(Array.from({ length: 100 }, (_unused, index) => subscribed(client.channel(`${prefix}-${index}`), { timeoutMs: 15_000 })));
      const statuses = subscribeLogged(client.channel(`${prefix}-100`));
      expect(await waitForStatus(statuses, 'CHANNEL_ERROR')).toEqual({ status: 'CHANNEL_ERROR', error: 'ChannelRateLimitReached: Too many channels' });
    } finally {
      await pool.closeAll();
      await roomy.close();
    }
  });

  it('answers removeChannel() with an ok reply then phx_close, and sends nothing more on that topic (§9.14)', async () => {
    const tap = createFrameTap();
    const client = await clients.make({ vsn, tap });
    const [nameA, nameB] = [uniqueName('leaving'), uniqueName('staying')];
    const leaving = client.channel(nameA);
    const staying = client.channel(nameB);
    const atStaying = new EventLog<unknown>('staying');
    staying.on('broadcast', { event: '*' }, (message) => atStaying.push(message));
    await subscribed(leaving);
    await subscribed(staying);
    const peer = await clients.make({ vsn });
    const [peerA, peerB] = [peer.channel(nameA), peer.channel(nameB)];
    await subscribed(peerA);
    await subscribed(peerB);

    const mark = tap.frames.mark();
    expect(await client.removeChannel(leaving)).toBe('ok');
    const leave = await tap.frames.waitFor(frameIs('out', 'phx_leave', leaving.topic), { after: mark });
    const close = await tap.frames.waitFor(frameIs('in', 'phx_close', leaving.topic), { after: mark });
    const reply = replyTo(tap, leave);
    expect(reply?.message?.payload).toEqual({ status: 'ok', response: {} });
    expect(tap.frames.items.indexOf(reply!)).toBeLessThan(tap.frames.items.indexOf(close));
    const closedAt = tap.frames.items.indexOf(close);

    await peerA.send({ type: 'broadcast', event: 'after-leave', payload: {} });
    await peerB.send({ type: 'broadcast', event: 'marker', payload: {} });
    await atStaying.waitFor(() => true);
    expect(tap.frames.count((frame) => frame.dir === 'in' && frame.message?.topic === leaving.topic, closedAt + 1)).toBe(0);
  });

  it('leaves a channel the server shut down (system error + phx_close) CLOSED, without rejoining (§9.15)', async () => {
    const tap = createFrameTap();
    const client = await clients.make({ vsn, tap, heartbeatIntervalMs: 500, disconnectOnEmptyChannelsAfterMs: 60_000 });
    const channel = client.channel(uniqueName('shutdown'));
    const system = new EventLog<SystemMessage>('system');
    channel.on('system', {}, (message: SystemMessage) => system.push(message));
    const statuses = await subscribed(channel);
    expect(stack.faults().closeChannels(channel.topic, 'Server requested disconnect')).toBe(1);
    expect(await system.waitFor(() => true)).toMatchObject({ extension: 'system', status: 'error', message: 'Server requested disconnect' });
    await waitForStatus(statuses, 'CLOSED');
    const mark = tap.frames.mark();
    await heartbeatRoundTrips(tap, 3, mark);
    expect(tap.frames.count(frameIs('out', 'phx_join', channel.topic), mark)).toBe(0);
    expect(statuses.items.map((entry) => entry.status)).toEqual(['SUBSCRIBED', 'CLOSED']);
  });

  it('shuts a channel down when its token expires mid-session, without a rejoin (§2.8, §9.15)', async () => {
    const token = { current: await signUserToken(stack.jwtSecret, USER_A, 2) };
    const tap = createFrameTap();
    const channel = (await clientWithToken(token, tap)).channel(uniqueName('expiring'));
    const system = new EventLog<SystemMessage>('system');
    channel.on('system', {}, (message: SystemMessage) => system.push(message));
    const statuses = await subscribed(channel);
    const notice = await system.waitFor((message) => message.status === 'error', { timeoutMs: 8_000 });
    expect(notice).toMatchObject({ extension: 'system', status: 'error', message: expect.stringMatching(/^Token has expired/) });
    await waitForStatus(statuses, 'CLOSED');
    const mark = tap.frames.mark();
    await heartbeatRoundTrips(tap, 3, mark);
    expect(tap.frames.count(frameIs('out', 'phx_join', channel.topic), mark)).toBe(0);
  });

  it('turns a server phx_error into CHANNEL_ERROR followed by a rejoin and SUBSCRIBED (§9.16)', async () => {
    const tap = createFrameTap();
    const channel = (await clients.make({ vsn, tap })).channel(uniqueName('crash'));
    const statuses = await subscribed(channel);
    const firstJoin = tap.frames.items.find(frameIs('out', 'phx_join', channel.topic));
    expect(stack.faults().crashChannels(channel.topic)).toBe(1);
    const crash = await tap.frames.waitFor(frameIs('in', 'phx_error', channel.topic));
    expect(crash.message?.ref).toBe(firstJoin?.message?.ref);
    const errorEntry = await waitForStatus(statuses, 'CHANNEL_ERROR');
    await waitForStatus(statuses, 'SUBSCRIBED', { after: statuses.items.indexOf(errorEntry), timeoutMs: 10_000 });
    const joins = tap.frames.filter(frameIs('out', 'phx_join', channel.topic));
    expect(joins).toHaveLength(2);
    expect(joins[1]?.message?.join_ref).not.toBe(joins[0]?.message?.join_ref);
    expect(replyTo(tap, joins[1])?.message?.payload.status).toBe('ok');
  });

  it('takes an access_token push silently: no reply, channel stays joined and working (§9.17)', async () => {
    const token = { current: await signUserToken(stack.jwtSecret, USER_A) };
    const tap = createFrameTap();
    const client = await clientWithToken(token, tap);
    const channel = client.channel(uniqueName('refresh'), { config: { broadcast: { self: true } } });
    const received = new EventLog<unknown>('broadcasts');
    channel.on('broadcast', { event: '*' }, (message) => received.push(message));
    const statuses = await subscribed(channel);
    token.current = await signUserToken(stack.jwtSecret, USER_B);
    const mark = tap.frames.mark();
    await client.realtime.setAuth(token.current);
    const push = await tap.frames.waitFor(frameIs('out', 'access_token', channel.topic), { after: mark });
    expect(push.message?.payload).toEqual({ access_token: token.current });
    await heartbeatRoundTrips(tap, 1, tap.frames.items.indexOf(push));
    expect(tap.frames.count((frame) => frame.dir === 'in' && frame.message?.ref === push.message?.ref)).toBe(0);
    await channel.send({ type: 'broadcast', event: 'still-here', payload: {} });
    await received.waitFor(() => true);
    expect(statuses.items).toEqual([{ status: 'SUBSCRIBED' }]);
  });

  it('closes the channel after setAuth() with an expired token: system error, then phx_close (§9.18)', async () => {
    const token = { current: await signUserToken(stack.jwtSecret, USER_A) };
    const tap = createFrameTap();
    const client = await clientWithToken(token, tap);
    const channel = client.channel(uniqueName('revoked'));
    const system = new EventLog<SystemMessage>('system');
    channel.on('system', {}, (message: SystemMessage) => system.push(message));
    const statuses = await subscribed(channel);
    token.current = await signExpiredToken(stack.jwtSecret, 30);
    await client.realtime.setAuth(token.current);
    expect(await system.waitFor(() => true)).toMatchObject({ extension: 'system', status: 'error', message: expect.stringMatching(/^Token has expired/) });
    await waitForStatus(statuses, 'CLOSED');
    const systemFrame = tap.frames.items.findIndex(frameIs('in', 'system', channel.topic));
    const closeFrame = tap.frames.items.findIndex(frameIs('in', 'phx_close', channel.topic));
    expect(systemFrame).toBeGreaterThan(-1);
    expect(closeFrame).toBeGreaterThan(systemFrame);
  });
});
