/**
 * Realtime conformance — the plan profiles (REALTIME_PLAN=free|pro|…): the official supabase-js
 * against the stand-in started with a plan's published limits (lib/plans/realtime-plans.ts),
 * answering over a limit as Supabase's server does (realtime_channel.ex, user_socket.ex,
 * message_dispatcher.ex). Where a case needs a limit reached quickly it lowers that one number
 * (said in the case); the texts and close behaviour are the plan profile's.
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import { afterEach, describe, expect, it } from 'vitest';
import { planLimits, type RealtimeLimits } from '../limits.js';
import { subscribeLogged, subscribed, waitForStatus } from '../../../../test-support/realtime-conformance/channel-status.js';
import { ClientPool, type Vsn } from '../../../../test-support/realtime-conformance/clients.js';
import { EventLog } from '../../../../test-support/realtime-conformance/event-log.js';
import { createFrameTap, frameIs } from '../../../../test-support/realtime-conformance/frame-tap.js';
import { uniqueName } from '../../../../test-support/realtime-conformance/names.js';
import type { SystemMessage } from '../../../../test-support/realtime-conformance/postgres-subscription.js';
import { subscribePostgres } from '../../../../test-support/realtime-conformance/postgres-subscription.js';
import { idsOf } from '../../../../test-support/realtime-conformance/rows.js';
import { startDatabaseStack, startStack, type ConformanceStack, type DatabaseStack } from '../../../../test-support/realtime-conformance/stack.js';
import { waitFor } from '../../../../test-support/wait-for.js';

const VSN: Vsn = '2.0.0';
let stack: ConformanceStack | undefined;
let clients: ClientPool | undefined;

async function start(limits: RealtimeLimits): Promise<{ stack: ConformanceStack; clients: ClientPool }> {
  stack = await startStack({ limits });
  clients = new ClientPool(stack);
  return { stack, clients };
}

afterEach(async () => {
  await clients?.closeAll();
  await stack?.close();
  clients = undefined;
  stack = undefined;
});

/** `n` receivers on `name`, each logging its broadcasts and `system` messages. */
async function receivers(pool: ClientPool, name: string, n: number) {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const channel = (await pool.make({ vsn: VSN })).channel(name);
      const got = new EventLog<unknown>('broadcasts');
      const system = new EventLog<SystemMessage>('system');
      channel.on('broadcast', { event: 'tick' }, (message) => got.push(message));
      channel.on('system', {}, (message: SystemMessage) => system.push(message));
      const statuses = await subscribed(channel);
      return { channel, got, system, statuses };
    }),
  );
}

async function sendTicks(client: SupabaseClient, name: string, n: number) {
  const sender = client.channel(name, { config: { broadcast: { ack: true } } });
  const statuses = await subscribed(sender);
  for (let i = 0; i < n; i += 1) expect(await sender.send({ type: 'broadcast', event: 'tick', payload: { i } })).toBe('ok');
  return statuses;
}

describe('Free plan profile', () => {
  it('counts messages per delivered copy: 120 broadcasts to 4 viewers (600 messages) close the viewers with "Too many messages per second"', async () => {
    // Free: 100 msgs/s over a 5 s window = 500 messages. 120 sends × (1 sent + 4 delivered) = 600.
    const { clients: pool } = await start(planLimits('free'));
    const name = uniqueName('fanout');
    const viewers = await receivers(pool, name, 4);
    const senderStatuses = await sendTicks(await pool.make({ vsn: VSN }), name, 120);
    for (const viewer of viewers) {
      expect(await viewer.system.waitFor((message) => message.status === 'error')).toMatchObject({ extension: 'system', status: 'error', message: 'Too many messages per second' });
      await waitForStatus(viewer.statuses, 'CLOSED');
      // Closed on the delivery that crossed the limit: never all 120.
      expect(viewer.got.items.length).toBeLessThan(120);
    }
    // The sender is not shut down for sending (upstream neither): it received nothing.
    expect(senderStatuses.items.map((entry) => entry.status)).toEqual(['SUBSCRIBED']);
  });

  it('keeps the same 120 broadcasts to one viewer (240 messages) under the limit', async () => {
    const { clients: pool } = await start(planLimits('free'));
    const name = uniqueName('fanout-one');
    const [viewer] = await receivers(pool, name, 1);
    await sendTicks(await pool.make({ vsn: VSN }), name, 120);
    await viewer!.got.waitForCount(() => true, 120);
    expect(viewer!.system.items).toEqual([]);
    expect(viewer!.statuses.items.map((entry) => entry.status)).toEqual(['SUBSCRIBED']);
  });

  it('refuses a 300 KB broadcast (Free: 256 KB) that the Pro profile delivers', async () => {
    const payload = { blob: 'x'.repeat(300_000) };
    for (const [plan, expected] of [['free', 'error'], ['pro', 'ok']] as const) {
      const { clients: pool } = await start(planLimits(plan));
      const channel = (await pool.make({ vsn: VSN })).channel(uniqueName(`size-${plan}`), { config: { broadcast: { ack: true } } });
      await subscribed(channel);
      expect(await channel.send({ type: 'broadcast', event: 'big', payload })).toBe(expected);
      await clients?.closeAll();
      await stack?.close();
      stack = undefined;
    }
  });

  it('refuses a join over joins/s with ClientJoinRateLimitReached, then disconnects the socket; reconnects get 429 while over (joins/s lowered to 1)', async () => {
    const { stack: server, clients: pool } = await start({ ...planLimits('free'), maxJoinsPerSecond: 1 });
    const tap = createFrameTap();
    const client = await pool.make({ vsn: VSN, tap, disconnectOnEmptyChannelsAfterMs: 60_000 });
    // 1 join/s over 5 s: five joins pass, the sixth is refused.
    for (let i = 0; i < 5; i += 1) await subscribed(client.channel(uniqueName(`join-${i}`)));
    const statuses = subscribeLogged(client.channel(uniqueName('join-over')));
    expect(await waitForStatus(statuses, 'CHANNEL_ERROR')).toEqual({ status: 'CHANNEL_ERROR', error: 'ClientJoinRateLimitReached: Too many joins per second' });
    // The error reply first, then the server closes the connection normally.
    const closed = await tap.closed.waitFor((entry) => entry.conn === 0);
    expect(closed.code).toBe(1000);
    const reply = tap.frames.items.findIndex((frame) => frame.conn === 0 && frameIs('in', 'phx_reply')(frame) && frame.message?.payload.status === 'error');
    expect(reply).toBeGreaterThanOrEqual(0);
    // …and supabase-js, which did not ask for it, reconnects.
    await tap.connections.waitFor((entry) => entry.conn === 1);
    // While the join rate is over, the upgrade is refused.
    await waitFor(async () => server.logs.some((line) => line.includes('upgrade refused (429): Too many joins per second')), 'a refused reconnect');
  });

  it('refuses a join over concurrent users with ConnectionRateLimitReached, and a new socket with 429 (users lowered to 2)', async () => {
    const { stack: server, clients: pool } = await start({ ...planLimits('free'), maxConcurrentUsers: 2 });
    // A socket opened before the cap was reached but not yet counted (it joined nothing).
    const late = await pool.make({ vsn: VSN, disconnectOnEmptyChannelsAfterMs: 60_000 });
    const tap = createFrameTap();
    const lateTapped = await pool.make({ vsn: VSN, tap, disconnectOnEmptyChannelsAfterMs: 60_000 });
    lateTapped.realtime.connect();
    await tap.opens.waitFor(() => true);
    for (let i = 0; i < 2; i += 1) await subscribed((await pool.make({ vsn: VSN })).channel(uniqueName(`user-${i}`)));
    const statuses = subscribeLogged(lateTapped.channel(uniqueName('user-over')));
    expect(await waitForStatus(statuses, 'CHANNEL_ERROR')).toEqual({ status: 'CHANNEL_ERROR', error: 'ConnectionRateLimitReached: Too many connected users' });
    subscribeLogged(late.channel(uniqueName('user-new-socket')));
    await waitFor(async () => server.logs.some((line) => line.includes('upgrade refused (429): Too many connected users')), 'a refused upgrade');
  });
});

describe('Free plan profile, postgres_changes', () => {
  let db: DatabaseStack | undefined;
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });

  it('skips changes past messages/s without telling the client, then delivers again (window lowered to 1 s: 100 deliveries)', async () => {
    db = await startDatabaseStack({ limits: { ...planLimits('free'), rateWindowMs: 1_000 } });
    const pool = new ClientPool(db);
    try {
      const subscription = await subscribePostgres(await pool.make({ vsn: VSN }), uniqueName('pc-free'), [{ event: 'INSERT', schema: 'public', table: 'todos' }]);
      const ids = db.ids(150);
      await db.pool.query('insert into public.todos (id) select unnest($1::int[])', [ids]);
      // A marker gets through once the window has moved on: every earlier change was handled.
      await waitFor(async () => {
        const marker = await db!.marker();
        return subscription.waitMarker(marker, { timeoutMs: 300 }).then(() => true, () => false);
      }, 'a marker after the window moved on', 15_000, 0);
      const received = idsOf(subscription.changes.items);
      expect(received.length).toBeGreaterThanOrEqual(100);
      expect(received.length).toBeLessThan(150);
      expect(received).toEqual(ids.slice(0, received.length));
      expect(subscription.system.items.filter((message) => message.status === 'error')).toEqual([]);
      expect(db.logs.some((line) => line.includes('MessagePerSecondRateLimitReached: Too many postgres changes messages per second'))).toBe(true);
    } finally {
      await pool.closeAll();
    }
  });
});
