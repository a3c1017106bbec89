import { describe, expect, it } from 'vitest';
import { FAST_RETRY } from '@/test-support/realtime/fault-rig';
import { setupFaultRig } from '@/test-support/realtime/setup-fault-rig';
import { failedWith, live, reconnectedLive } from '@/test-support/realtime/fault-waits';
// The failures hosted Supabase Realtime users hit (issue 14), each produced on demand by the
// local server's fault switches, against the dashboard's feed over the official supabase-js.
// Each test bounds detection and recovery with waits and ends with rendered rows == table rows.
// Here: the session itself (half-open socket, token expiry, limits that close channels); realtime-faults.test.ts has the rest.
const rigOf = setupFaultRig();

describe('mode 2: half-open socket (the server stops answering, TCP stays open)', () => {
  it('notices by heartbeat timeout, says so, reconnects on a new socket and fills what it missed', async () => {
    const rig = rigOf();
    const feed = await rig.settledFeed(await rig.client({ heartbeatIntervalMs: 500 }));
    expect(rig.server.realtime.faults.halfOpenConnections()).toBe(1);
    await rig.insertMetrics(5);
    const failure = await failedWith(feed, 'heartbeat_timeout');
    expect(failure?.message).toMatch(/heartbeat/);
    await reconnectedLive(feed, 1);
    await rig.insertMetrics(2);
    await rig.renderedEqualsTable(feed);
    expect(await rig.compare(feed)).toEqual({ lost: 0, duplicated: 0 });
  });
});

describe('mode 3: the token expires mid-session (hidden tab: no heartbeat refreshed it)', () => {
  it('says the token expired, rejoins with a fresh token from the session (never the stale one) and fills the gap', async () => {
    const rig = rigOf();
    let tokenSeconds = 2;
    const feed = await rig.settledFeed(await rig.client({ tokenSeconds: () => tokenSeconds }));
    // From here the session hands out fresh tokens; the channel still holds a 2 s one, and heartbeats (25 s) do not come first.
    tokenSeconds = 3_600;
    const failure = await failedWith(feed, 'token_expired', 10_000);
    expect(failure?.message).toMatch(/^Token has expired \d+ seconds ago$/);
    await rig.insertMetrics(3);
    await reconnectedLive(feed, 1);
    await rig.renderedEqualsTable(feed);
    // The rejoin carried the fresh token: no join was refused for the expired one.
    expect(rig.failures(feed).map((item) => item.message)).not.toContainEqual(expect.stringMatching(/InvalidJWTToken/));
    expect(feed.getSnapshot().reconnects).toBe(1);
    expect(await rig.compare(feed)).toEqual({ lost: 0, duplicated: 0 });
  });
});

describe('mode 6: server-side plan limits', () => {
  const cases = [
    { limit: 'tenant_events', reason: 'Too many messages per second' },
    { limit: 'too_many_channels', reason: 'ChannelRateLimitReached: Too many channels' },
    { limit: 'too_many_joins', reason: 'ClientJoinRateLimitReached: Too many joins per second' },
  ] as const;

  it.each(cases)('$limit: says which limit, backs off on the slow floor, recovers with every row', async ({ limit, reason }) => {
    const rig = rigOf();
    const feed = await rig.settledFeed(await rig.client(), { retry: { ...FAST_RETRY, slow: [{ kinds: ['rate_limited'], minMs: 1_000 }] } });
    expect(rig.server.realtime.faults.injectLimit(limit, 2)).toBe(1);
    const failure = await failedWith(feed, 'rate_limited');
    expect(failure?.message).toBe(reason);
    await rig.insertMetrics(3);
    await reconnectedLive(feed, 1, 20_000);
    await rig.renderedEqualsTable(feed);
    expect(await rig.compare(feed)).toEqual({ lost: 0, duplicated: 0 });
  });
});
