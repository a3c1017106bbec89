import { afterEach, describe, expect, it, vi } from 'vitest';
import { CLOSE_CODES } from '../../contracts/legacy-protocol.js';
import { envelope, envelopes, openReadyClient, TEST_JWT_SECRET, TEST_PUBLISH_KEY } from '../../test-support/legacy-ws/feed.js';
import { startLegacyServer, type LegacyServer, type LegacyServerOptions } from './legacy-server.js';

let server: LegacyServer | undefined;
async function start(options: Partial<LegacyServerOptions> = {}) {
  server = await startLegacyServer({ port: 0, jwtSecret: TEST_JWT_SECRET, publishKey: TEST_PUBLISH_KEY, ...options });
  return server;
}
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const ids = (list: Array<{ id: number }>) => list.map((item) => item.id);

describe('legacy feed delivery', () => {
  it('delivers each subscribed stream in publish order and nothing from other streams', async () => {
    const feed = await start();
    const client = await openReadyClient(feed.feedUrl);
    client.send({ type: 'subscribe', streams: ['cache_metrics'] });
    const ack = await client.waitFor((frame) => frame.type === 'subscribed');
    expect(ack).toMatchObject({ streams: ['cache_metrics'], head: { cache_metrics: null } });
    feed.publish([...envelopes('cache_metrics', 1, 3), envelope('system_events', 1), ...envelopes('cache_metrics', 4, 5)]);
    const received = await client.waitForEvents(5);
    expect(ids(received)).toEqual([1, 2, 3, 4, 5]);
    expect(received.every((item) => item.stream === 'cache_metrics')).toBe(true);
    expect(feed.stats()).toMatchObject({ published: 6, sent: 5, lastId: { cache_metrics: 5, system_events: 1 } });
  });

  it('delivers out-of-order arrivals in arrival order, each carrying its id', async () => {
    const feed = await start();
    const client = await openReadyClient(feed.feedUrl);
    client.send({ type: 'subscribe', streams: ['system_events'] });
    await client.waitFor((frame) => frame.type === 'subscribed');
    feed.publish([envelope('system_events', 2), envelope('system_events', 1), envelope('system_events', 3)]);
    expect(ids(await client.waitForEvents(3))).toEqual([2, 1, 3]);
  });

  it('drops a republished event_id instead of delivering it twice', async () => {
    const feed = await start();
    const client = await openReadyClient(feed.feedUrl);
    client.send({ type: 'subscribe', streams: ['cache_metrics'] });
    await client.waitFor((frame) => frame.type === 'subscribed');
    const first = envelope('cache_metrics', 1);
    expect(feed.publish([first, first])).toEqual({ accepted: 1, duplicates: 1 });
    feed.publish([envelope('cache_metrics', 2)]);
    expect(ids(await client.waitForEvents(2))).toEqual([1, 2]);
    expect(feed.stats().duplicates).toBe(1);
  });

  it('replays everything after the last id, in id order, when a client resumes within the ring', async () => {
    const feed = await start({ ringSize: 100 });
    feed.publish([...envelopes('cache_metrics', 1, 5), envelope('cache_metrics', 8), envelope('cache_metrics', 6), envelope('cache_metrics', 7)]);
    const client = await openReadyClient(feed.feedUrl);
    client.send({ type: 'subscribe', streams: ['cache_metrics'], resume: { cache_metrics: 3 } });
    const ack = await client.waitFor((frame) => frame.type === 'subscribed');
    expect(ack).toMatchObject({ head: { cache_metrics: 8 }, replay: { cache_metrics: 5 } });
    expect(ids(await client.waitForEvents(5))).toEqual([4, 5, 6, 7, 8]);
    feed.publish([envelope('cache_metrics', 9)]);
    expect(ids(await client.waitForEvents(6))).toEqual([4, 5, 6, 7, 8, 9]);
    expect(client.frames.some((frame) => frame.type === 'gap')).toBe(false);
  });

  it('sends an evicted gap, then the retained tail, when the outage outlasted the ring', async () => {
    const feed = await start({ ringSize: 10 });
    feed.publish(envelopes('system_events', 1, 5));
    const client = await openReadyClient(feed.feedUrl);
    client.send({ type: 'subscribe', streams: ['system_events'], resume: { system_events: 0 } });
    await client.waitForEvents(5);
    client.ws.close();
    await client.closed;
    feed.publish(envelopes('system_events', 6, 30));
    const back = await openReadyClient(feed.feedUrl);
    back.send({ type: 'subscribe', streams: ['system_events'], resume: { system_events: 5 } });
    const gap = await back.waitFor((frame) => frame.type === 'gap');
    expect(gap).toEqual({ type: 'gap', stream: 'system_events', from: 6, to: 20, reason: 'evicted' });
    expect(ids(await back.waitForEvents(10))).toEqual(envelopes('system_events', 21, 30).map((item) => item.id));
    expect(back.frames.indexOf(gap)).toBeLessThan(back.frames.findIndex((frame) => frame.type === 'event'));
    expect(feed.stats().gaps).toBe(1);
  });

  it('tells a resuming client about ids from before the server started', async () => {
    const feed = await start();
    const client = await openReadyClient(feed.feedUrl);
    client.send({ type: 'subscribe', streams: ['cache_metrics'], resume: { cache_metrics: 41 } });
    expect(await client.waitFor((frame) => frame.type === 'gap')).toEqual({ type: 'gap', stream: 'cache_metrics', from: 42, reason: 'restarted' });
    feed.publish([envelope('cache_metrics', 50)]);
    expect(ids(await client.waitForEvents(1))).toEqual([50]);
  });

  it('turns a replay larger than half the send-buffer bound into a replay_limit gap', async () => {
    const feed = await start({ maxBufferedBytes: 64 * 1024 });
    const padding = 'x'.repeat(1_000);
    feed.publish(Array.from({ length: 100 }, (_, index) => envelope('cache_metrics', index + 1, { padding })));
    const client = await openReadyClient(feed.feedUrl);
    client.send({ type: 'subscribe', streams: ['cache_metrics'], resume: { cache_metrics: 0 } });
    const gap = await client.waitFor((frame) => frame.type === 'gap');
    expect(gap).toMatchObject({ stream: 'cache_metrics', from: 1, reason: 'replay_limit' });
    const ack = await client.waitFor((frame) => frame.type === 'subscribed');
    const replayed = (ack.replay as Record<string, number>).cache_metrics ?? 0;
    expect(replayed).toBeGreaterThan(0);
    expect(replayed + Number(gap.to)).toBe(100);
    const received = await client.waitForEvents(replayed);
    expect(received[0]?.id).toBe(Number(gap.to) + 1);
  });

  it('stops delivering a stream after unsubscribe', async () => {
    const feed = await start();
    const client = await openReadyClient(feed.feedUrl);
    client.send({ type: 'subscribe', streams: ['cache_metrics', 'system_events'] });
    await client.waitFor((frame) => frame.type === 'subscribed');
    client.send({ type: 'unsubscribe', streams: ['cache_metrics'] });
    await client.waitFor((frame) => frame.type === 'unsubscribed');
    feed.publish([envelope('cache_metrics', 1), envelope('system_events', 1)]);
    expect((await client.waitForEvents(1)).map((item) => item.stream)).toEqual(['system_events']);
    expect(feed.stats().subscribers).toEqual({ cache_metrics: 0, system_events: 1 });
  });

  it('answers malformed frames with error frames and closes with 1008 after repeated abuse', async () => {
    const feed = await start();
    const client = await openReadyClient(feed.feedUrl);
    client.ws.send('not json');
    expect(await client.waitFor((frame) => frame.type === 'error')).toMatchObject({ code: 'invalid_frame' });
    client.send({ type: 'subscribe', streams: ['nope'] });
    client.send({ type: 'subscribe', streams: ['cache_metrics'], resume: { system_events: 1 } });
    client.send({ type: 'teleport' });
    client.ws.send(Buffer.from([1, 2, 3]));
    expect((await client.closed).code).toBe(CLOSE_CODES.policyViolation);
    expect(client.frames.filter((frame) => frame.type === 'error')).toHaveLength(5);
  });

  it('closes with 1009 on a frame above the size limit', async () => {
    const feed = await start({ maxFrameBytes: 1024 });
    const client = await openReadyClient(feed.feedUrl);
    client.send({ type: 'ping', ref: 'x'.repeat(2_000) });
    expect((await client.closed).code).toBe(CLOSE_CODES.messageTooBig);
  });

  it('has no fault controls unless started for fault injection', async () => {
    expect((await start()).faults).toBeUndefined();
  });

  it('drops the configured fraction of deliveries under fault injection', async () => {
    const feed = await start({ faultInjection: true });
    const faults = feed.faults;
    if (!faults) throw new Error('started with faultInjection');
    const client = await openReadyClient(feed.feedUrl);
    client.send({ type: 'subscribe', streams: ['cache_metrics'] });
    await client.waitFor((frame) => frame.type === 'subscribed');
    faults.dropRate(1);
    feed.publish(envelopes('cache_metrics', 1, 10));
    faults.dropRate(0);
    feed.publish([envelope('cache_metrics', 11)]);
    expect(ids(await client.waitForEvents(1))).toEqual([11]);
    expect(feed.stats()).toMatchObject({ dropped: 10, sent: 1 });
  });

  it('sends app-level heartbeats and terminates a peer that stops answering pings', async () => {
    const feed = await start({ heartbeatMs: 100 });
    const client = await openReadyClient(feed.feedUrl);
    const heartbeat = await client.waitFor((frame) => frame.type === 'heartbeat');
    expect(typeof heartbeat.server_time).toBe('string');
    const silent = await openReadyClient(feed.feedUrl);
    // A paused socket neither reads pings nor answers them: a dead peer, as the server sees it.
    (silent.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    await vi.waitFor(() => expect(feed.stats().deadClientTerminations).toBe(1), { timeout: 10_000, interval: 50 });
    expect(feed.stats().clients).toBe(1);
  });
});
