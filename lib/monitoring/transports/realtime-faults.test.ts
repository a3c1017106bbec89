import { describe, expect, it } from 'vitest';
import { waitUntil } from '@/test-support/monitoring/wait-until';
import { setupFaultRig } from '@/test-support/realtime/setup-fault-rig';
import { failedWith, live, reconnectedLive } from '@/test-support/realtime/fault-waits';
// The failures hosted Supabase Realtime users hit (issue 14), each produced on demand by the
// local server's fault switches, against the dashboard's feed over the official supabase-js.
// Each test bounds detection and recovery with waits and ends with rendered rows == table rows.
// Here: what reaches the channel (silent loss, refused joins, readiness, refused sockets); realtime-faults-session.test.ts has the rest.
const rigOf = setupFaultRig();

describe('mode 7: silent loss (a delivery dropped on a healthy socket)', () => {
  it('finds dropped deliveries through the id gaps and fills them from history', async () => {
    const rig = rigOf();
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
    const rig = rigOf();
    const feed = await rig.settledFeed(await rig.client());
    rig.server.realtime.faults.dropNextPostgresChanges(3);
    await rig.insertMetrics(3);
    await rig.renderedEqualsTable(feed);
    expect(feed.getSnapshot().gapFills.recovered).toBe(3);
    expect(await rig.compare(feed)).toEqual({ lost: 0, duplicated: 0 });
  });
});

describe('mode 4: CHANNEL_ERROR, then a loop of CLOSED', () => {
  it('recreates the channel after each refused join (and the socket after repeated ones), then holds one channel', async () => {
    const rig = rigOf();
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
    const rig = rigOf();
    const { faults } = rig.server.realtime;
    // No quiet check here: only the readiness wait and its fill may recover the window.
    const feed = await rig.settledFeed(await rig.client(), { limits: { tailCheckMs: Number.POSITIVE_INFINITY } });
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

  it('on the Broadcast strategy too: live only on replication_ready, the window filled by replay or history', async () => {
    const rig = rigOf();
    const { faults } = rig.server.realtime;
    const feed = await rig.settledFeed(await rig.client(), { limits: { tailCheckMs: Number.POSITIVE_INFINITY }, transport: { strategy: 'broadcast' } });
    faults.delayDatabaseReady(1_500);
    faults.dropConnections();
    await waitUntil(() => feed.getSnapshot().status !== 'live', 'the drop to be noticed');
    await waitUntil(() => rig.server.realtime.stats().channels >= 1, 'the rejoin (SUBSCRIBED, replication not ready)');
    await rig.insertMetrics(4);
    expect(feed.getSnapshot().status).not.toBe('live');
    await reconnectedLive(feed, 1);
    faults.delayDatabaseReady(0);
    await rig.renderedEqualsTable(feed);
    expect(await rig.compare(feed)).toEqual({ lost: 0, duplicated: 0 });
  });
});

describe('mode 6: server-side plan limits, connections', () => {
  it('too_many_connections: the socket is refused (HTTP 429), the feed retries and recovers with every row', async () => {
    const rig = rigOf();
    const feed = await rig.settledFeed(await rig.client());
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

describe('mode 1: background tab (throttled timers, no heartbeats)', () => {
  it('back in view, replaces a session that went quiet while hidden instead of trusting it, and fills the gap', async () => {
    const rig = rigOf();
    // A 60 s heartbeat stands in for a hidden tab's throttled timers; the server's side of the
    // socket is gone without the client noticing (half-open), so supabase-js still says connected.
    const feed = await rig.settledFeed(await rig.client({ heartbeatIntervalMs: 60_000 }), { transport: { staleAfterMs: 1_000 } });
    feed.setVisible(false);
    rig.server.realtime.faults.halfOpenConnections();
    await rig.insertMetrics(3);
    // The scenario is the time away: hidden for longer than the stale bound.
    const hiddenAt = Date.now();
    await waitUntil(() => Date.now() - hiddenAt > 1_200, 'the time away');
    // Still believed connected (the quiet check may be filling the hidden period's rows meanwhile).
    expect(['live', 'catching-up']).toContain(feed.getSnapshot().status);
    expect(feed.getSnapshot().reconnects).toBe(0);
    feed.setVisible(true);
    const failure = await failedWith(feed, 'heartbeat_timeout', 2_000);
    expect(failure?.message).toMatch(/while the tab was hidden$/);
    await reconnectedLive(feed, 1);
    await rig.insertMetrics(1);
    await rig.renderedEqualsTable(feed);
    expect(await rig.compare(feed)).toEqual({ lost: 0, duplicated: 0 });
  });
});

describe('mode 6: a row over Realtime’s payload limit (1,024 KB: sent trimmed, with Error 413)', () => {
  it('renders the full row from history instead of the trimmed one, and counts the partial frame', async () => {
    const rig = rigOf();
    // No quiet check: only the transport's answer to the 413 may bring the row.
    const feed = rig.feed(await rig.client(), { limits: { tailCheckMs: Number.POSITIVE_INFINITY } });
    await live(feed);
    await rig.insertSystemEvent();
    await rig.renderedEqualsTable(feed, 15_000, 'system_events');
    await rig.insertSystemEvent(1_100_000);
    await rig.renderedEqualsTable(feed, 15_000, 'system_events');
    const last = feed.getSnapshot().events.system_events.at(-1);
    expect(last?.provenance.transport).toBe('history');
    expect(last && 'attributes' in last ? String(last.attributes.blob).length : 0).toBe(1_100_000);
    expect(feed.getSnapshot().invalidFrames).toBe(1);
  });
});
