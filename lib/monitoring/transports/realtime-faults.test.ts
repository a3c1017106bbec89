import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MonitoringFeed } from '@/lib/monitoring/monitoring-feed';
import { waitUntil } from '@/test-support/monitoring/wait-until';
import { FAST_RETRY, startFaultRig, type FaultRig } from '@/test-support/realtime/fault-rig';

// The failures hosted Supabase Realtime users hit (issue 14), each produced on demand by the
// local server's fault switches, against the dashboard's feed over the official supabase-js.
// Each test bounds detection and recovery with waits and ends with rendered rows == table rows.
let rig: FaultRig;

beforeAll(async () => {
  rig = await startFaultRig();
}, 60_000);

afterEach(async () => {
  const { faults } = rig.server.realtime;
  faults.dropPostgresChangesRate(0);
  faults.dropNextPostgresChanges(0);
  faults.ignoreHeartbeats(false);
  faults.delayDatabaseReady(0);
  await rig.reset();
});

afterAll(async () => {
  await rig?.close();
});

const reconnectedLive = (feed: MonitoringFeed, reconnects: number, timeoutMs = 15_000) =>
  waitUntil(() => feed.getSnapshot().reconnects >= reconnects && feed.getSnapshot().status === 'live', `live again after ${reconnects} reconnect(s)`, timeoutMs);
const failedWith = (feed: MonitoringFeed, kind: string, timeoutMs = 10_000) =>
  waitUntil(() => (feed.getSnapshot().lastFailure?.kind === kind ? feed.getSnapshot().lastFailure : undefined), `a ${kind} failure`, timeoutMs);

const live = (feed: MonitoringFeed, timeoutMs = 15_000) => waitUntil(() => feed.getSnapshot().status === 'live', 'the feed to be live', timeoutMs);

describe('mode 7: silent loss (a delivery dropped on a healthy socket)', () => {
  it('finds dropped deliveries through the id gaps and fills them from history', async () => {
    const feed = rig.feed(await rig.client());
    await live(feed);
    rig.server.realtime.faults.dropPostgresChangesRate(0.5);
    await rig.insertMetrics(30);
    rig.server.realtime.faults.dropPostgresChangesRate(0);
    await rig.insertMetrics(1);
    await rig.renderedEqualsTable(feed);
    expect(feed.getSnapshot().gapFills.recovered).toBeGreaterThan(0);
    expect(await rig.compare(feed)).toEqual({ lost: 0, duplicated: 0 });
  });

  it('finds a loss at the tail too, when no later row arrives to reveal the hole', async () => {
    const feed = rig.feed(await rig.client());
    await live(feed);
    await rig.insertMetrics(2);
    await rig.renderedEqualsTable(feed);
    rig.server.realtime.faults.dropNextPostgresChanges(3);
    await rig.insertMetrics(3);
    await rig.renderedEqualsTable(feed);
    expect(feed.getSnapshot().gapFills.recovered).toBe(3);
    expect(await rig.compare(feed)).toEqual({ lost: 0, duplicated: 0 });
  });
});

describe('mode 2: half-open socket (the server stops answering, TCP stays open)', () => {
  it('notices by heartbeat timeout, says so, reconnects on a new socket and fills what it missed', async () => {
    const feed = rig.feed(await rig.client({ heartbeatIntervalMs: 500 }));
    await live(feed);
    await rig.insertMetrics(2);
    await rig.renderedEqualsTable(feed);
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

describe('mode 4: CHANNEL_ERROR, then a loop of CLOSED', () => {
  it('recreates the channel after each refused join (and the socket after repeated ones), then holds one channel', async () => {
    const { faults } = rig.server.realtime;
    const before = rig.server.realtime.stats();
    const refusedBefore = faults.refusedJoins();
    faults.refuseJoins(4);
    const client = await rig.client();
    const feed = rig.feed(client);
    const failure = await failedWith(feed, 'channel_error');
    expect(failure?.message).toBe('UnableToConnectToProject: Realtime was unable to connect to the project database');
    await live(feed);
    expect(faults.refusedJoins() - refusedBefore).toBe(4);
    await rig.insertMetrics(3);
    await rig.renderedEqualsTable(feed);
    const after = rig.server.realtime.stats();
    // One joined channel on one client, none left rejoining behind the feed's back.
    expect(client.getChannels()).toHaveLength(1);
    expect(after.channels - before.channels).toBe(1);
    expect(after.totalJoins - before.totalJoins).toBe(1);
    // After repeated refusals on one socket the next session starts on a fresh one.
    expect(after.totalConnections - before.totalConnections).toBeGreaterThanOrEqual(2);
    expect(await rig.compare(feed)).toEqual({ lost: 0, duplicated: 0 });
  });
});

describe('mode 5: premature SUBSCRIBED (the database subscription is not ready yet)', () => {
  it('goes live only on the server’s readiness and fills what was written between SUBSCRIBED and ready', async () => {
    const { faults } = rig.server.realtime;
    // No quiet check here: only the readiness wait and its fill may recover the window.
    const feed = rig.feed(await rig.client(), { limits: { tailCheckMs: Number.POSITIVE_INFINITY } });
    await live(feed);
    await rig.insertMetrics(2);
    await rig.renderedEqualsTable(feed);
    faults.delayDatabaseReady(1_500);
    faults.dropConnections();
    await waitUntil(() => feed.getSnapshot().status !== 'live', 'the drop to be noticed');
    await waitUntil(() => rig.server.realtime.stats().channels === 1, 'the rejoin (SUBSCRIBED, not ready)');
    await rig.insertMetrics(4);
    expect(feed.getSnapshot().status).not.toBe('live');
    await reconnectedLive(feed, 1);
    faults.delayDatabaseReady(0);
    await rig.renderedEqualsTable(feed);
    expect(feed.getSnapshot().gapFills.recovered).toBeGreaterThanOrEqual(4);
    expect(await rig.compare(feed)).toEqual({ lost: 0, duplicated: 0 });
  });
});

describe('mode 3: the token expires mid-session (hidden tab: no heartbeat refreshed it)', () => {
  it('says the token expired, rejoins with a fresh token from the session (never the stale one) and fills the gap', async () => {
    let tokenSeconds = 2;
    const feed = rig.feed(await rig.client({ tokenSeconds: () => tokenSeconds }));
    await live(feed);
    await rig.insertMetrics(2);
    await rig.renderedEqualsTable(feed);
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
    const feed = rig.feed(await rig.client(), { retry: { ...FAST_RETRY, slow: [{ kinds: ['rate_limited'], minMs: 1_000 }] } });
    await live(feed);
    await rig.insertMetrics(2);
    await rig.renderedEqualsTable(feed);
    expect(rig.server.realtime.faults.injectLimit(limit, 2)).toBe(1);
    const failure = await failedWith(feed, 'rate_limited');
    expect(failure?.message).toBe(reason);
    await rig.insertMetrics(3);
    await reconnectedLive(feed, 1, 20_000);
    await rig.renderedEqualsTable(feed);
    expect(await rig.compare(feed)).toEqual({ lost: 0, duplicated: 0 });
  });

  it('too_many_connections: the socket is refused (HTTP 429), the feed retries and recovers with every row', async () => {
    const feed = rig.feed(await rig.client());
    await live(feed);
    await rig.insertMetrics(2);
    await rig.renderedEqualsTable(feed);
    expect(rig.server.realtime.faults.injectLimit('too_many_connections', 2)).toBe(1);
    await waitUntil(() => feed.getSnapshot().status !== 'live', 'the drop to be noticed');
    await rig.insertMetrics(3);
    await reconnectedLive(feed, 1, 20_000);
    await rig.renderedEqualsTable(feed);
    expect(await rig.compare(feed)).toEqual({ lost: 0, duplicated: 0 });
    // A browser never sees the 429 (WebSocket hides the upgrade response): the drop and the refused sockets read as channel errors.
    expect(rig.failures(feed).length).toBeGreaterThanOrEqual(2);
    expect(rig.failures(feed).every((item) => item.kind === 'channel_error')).toBe(true);
  });
});
