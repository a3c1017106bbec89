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
import type { EventLog } from '../../../../test-support/realtime-conformance/event-log.js';
import { uniqueName } from '../../../../test-support/realtime-conformance/names.js';
import { startDatabaseStack, type DatabaseStack } from '../../../../test-support/realtime-conformance/stack.js';
import { signUserToken } from '../../../../test-support/realtime-conformance/tokens.js';

const USER = '33333333-3333-4333-8333-333333333333';
const BURST = 30;
let capped: DatabaseStack;

beforeAll(async () => {
  capped = await startDatabaseStack({ limits: { maxConcurrentAuthorizations: 2 } });
  await capped.pool.query(`create policy pj_read on realtime.messages for select to authenticated using (realtime.topic() like 'pj:%')`);
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
