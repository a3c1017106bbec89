/**
 * Realtime conformance — private joins under load and presence on private channels (review
 * 2026-12-02 M6, M2): supabase-js against the stand-in with a database. A burst of private joins
 * must not queue without bound on the 4-connection policy pool: past the cap a join is refused
 * at once with upstream's pool-exhaustion text, and the server answers again once the burst is
 * over.
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { subscribeLogged, subscribed, waitForStatus, type StatusEntry } from '../../../../test-support/realtime-conformance/channel-status.js';
import { ClientPool } from '../../../../test-support/realtime-conformance/clients.js';
import { EventLog } from '../../../../test-support/realtime-conformance/event-log.js';
import { uniqueName } from '../../../../test-support/realtime-conformance/names.js';
import { startDatabaseStack, type DatabaseStack } from '../../../../test-support/realtime-conformance/stack.js';
import { signClaims, signUserToken } from '../../../../test-support/realtime-conformance/tokens.js';

const USER = '33333333-3333-4333-8333-333333333333';
const BURST = 30;
let capped: DatabaseStack;

beforeAll(async () => {
  capped = await startDatabaseStack({ limits: { maxConcurrentAuthorizations: 2 } });
  await capped.pool.query(`
    create policy pj_read on realtime.messages for select to authenticated using (realtime.topic() like 'pj:%');
    create policy pp_read_broadcast on realtime.messages for select to authenticated using (realtime.topic() like 'pp:%' and extension = 'broadcast');
    create policy pp_read_presence on realtime.messages for select to authenticated using (realtime.topic() like 'pp:open-%' and extension = 'presence');
    create policy pp_write_presence on realtime.messages for insert to authenticated with check (realtime.topic() like 'pp:open-%' and extension = 'presence');
  `);
});
afterAll(async () => {
  await capped?.close();
});

describe('a burst of private joins (M6)', () => {
  let clients: ClientPool;
  beforeEach(() => {
    clients = new ClientPool(capped);
  });
  afterEach(async () => {
    await clients.closeAll();
  });

  async function userClient(): Promise<SupabaseClient> {
    const token = await signUserToken(capped.jwtSecret, USER);
    return clients.make({ vsn: '2.0.0', accessToken: () => token, disconnectOnEmptyChannelsAfterMs: 60_000 });
  }

  /** The first answer (SUBSCRIBED or CHANNEL_ERROR) of each of `BURST` private joins sent at once. */
  async function burst(client: SupabaseClient): Promise<StatusEntry[]> {
    const logs: EventLog<StatusEntry>[] = [];
    for (let i = 0; i < BURST; i += 1) logs.push(subscribeLogged(client.channel(uniqueName(`pj:burst-${i}`), { config: { private: true } })));
    return Promise.all(logs.map((log) => log.waitFor((entry) => entry.status === 'SUBSCRIBED' || entry.status === 'CHANNEL_ERROR', { timeoutMs: 15_000 })));
  }

  it('refuses joins past the authorization cap with IncreaseConnectionPool, answers every join, and admits again afterwards', async () => {
    const client = await userClient();
    const answers = await burst(client);
    const refused = answers.filter((entry) => entry.status === 'CHANNEL_ERROR');
    expect(refused.length).toBeGreaterThan(0);
    for (const entry of refused) expect(entry.error).toBe('IncreaseConnectionPool: Please increase your connection pool size');
    expect(answers.some((entry) => entry.status === 'SUBSCRIBED')).toBe(true);
    // Without the burst (the refused channels would retry on their backoff), a join is answered by the policies again.
    await client.removeAllChannels();
    await subscribed(client.channel(uniqueName('pj:after'), { config: { private: true } }));
    const unreadable = subscribeLogged(client.channel(uniqueName('other:after'), { config: { private: true } }));
    expect((await waitForStatus(unreadable, 'CHANNEL_ERROR')).error).toMatch(/^Unauthorized: You do not have permissions to read from this Channel topic: other:after/);
  });
});

describe('presence on private channels follows the realtime.messages policies (M2)', () => {
  let clients: ClientPool;
  beforeEach(() => {
    clients = new ClientPool(capped);
  });
  afterEach(async () => {
    await clients.closeAll();
  });

  async function presenceChannel(name: string, sub: string) {
    const token = await signUserToken(capped.jwtSecret, sub);
    const client = await clients.make({ vsn: '2.0.0', accessToken: () => token, disconnectOnEmptyChannelsAfterMs: 60_000 });
    const channel = client.channel(name, { config: { private: true, presence: { enabled: true, key: sub } } });
    const syncs = new EventLog<Record<string, unknown>>(`presence on ${name}`);
    channel.on('presence', { event: 'sync' }, () => syncs.push(channel.presenceState()));
    await subscribed(channel);
    return { channel, syncs };
  }

  it('lets a viewer with presence read and write track and see the others', async () => {
    const name = uniqueName('pp:open-room');
    const a = await presenceChannel(name, USER);
    const b = await presenceChannel(name, '44444444-4444-4444-8444-444444444444');
    expect(await a.channel.track({ who: 'a' })).toBe('ok');
    await b.syncs.waitFor((state) => USER in state);
  });

  it('refuses track without an INSERT policy for presence, and sends no presence to a viewer without presence read', async () => {
    const name = uniqueName('pp:closed-room');
    const a = await presenceChannel(name, USER);
    const other = '55555555-5555-4555-8555-555555555555';
    const b = await presenceChannel(name, other);
    expect(await a.channel.track({ who: 'a' })).toBe('error');
    expect(await b.channel.track({ who: 'b' })).toBe('error');
    // A broadcast on the same channel is the marker that the server has handled both tracks.
    const marker = new EventLog<unknown>('marker');
    b.channel.on('broadcast', { event: 'marker' }, (message) => marker.push(message));
    await capped.pool.query(`select realtime.send('{}'::jsonb, 'marker', $1, true)`, [name]);
    await marker.waitFor(() => true);
    expect(a.channel.presenceState()).toEqual({});
    expect(b.channel.presenceState()).toEqual({});
  });
});

describe('the role a token names is only ever a JWT role (review L1)', () => {
  let clients: ClientPool;
  beforeEach(() => {
    clients = new ClientPool(capped);
  });
  afterEach(async () => {
    await clients.closeAll();
  });

  // Evaluated on a superuser connection, `set_config('role', 'postgres')` would bypass RLS: read
  // and write on every topic for whoever could get such a claim signed (a mint or an access-token
  // hook copying a user-editable field into `role`). Upstream's non-superuser connection cannot
  // assume these roles, so the join is refused as unauthorized.
  it.each(['postgres', 'supabase_admin', 'pg_read_all_data', 'none'])('a signed token with role %s cannot join a private topic no policy opens to it', async (role) => {
    const now = Math.floor(Date.now() / 1000);
    const token = await signClaims(capped.jwtSecret, { sub: USER, role, aud: 'authenticated', iat: now, exp: now + 3600 });
    const client = await clients.make({ vsn: '2.0.0', accessToken: () => token, disconnectOnEmptyChannelsAfterMs: 60_000 });
    const log = subscribeLogged(client.channel(uniqueName('other:role'), { config: { private: true } }));
    expect((await waitForStatus(log, 'CHANNEL_ERROR')).error).toMatch(/^Unauthorized: You do not have permissions to read from this Channel topic: other:role/);
  });

  it('the three JWT roles still evaluate their policies (authenticated reads pj:…, anon does not)', async () => {
    const userToken = await signUserToken(capped.jwtSecret, USER);
    const user = await clients.make({ vsn: '2.0.0', accessToken: () => userToken, disconnectOnEmptyChannelsAfterMs: 60_000 });
    await subscribed(user.channel(uniqueName('pj:role-ok'), { config: { private: true } }));
    const now = Math.floor(Date.now() / 1000);
    const anonToken = await signClaims(capped.jwtSecret, { role: 'anon', iat: now, exp: now + 3600 });
    const anon = await clients.make({ vsn: '2.0.0', accessToken: () => anonToken, disconnectOnEmptyChannelsAfterMs: 60_000 });
    const refused = subscribeLogged(anon.channel(uniqueName('pj:role-anon'), { config: { private: true } }));
    expect((await waitForStatus(refused, 'CHANNEL_ERROR')).error).toMatch(/^Unauthorized: You do not have permissions to read from this Channel topic/);
  });
});
