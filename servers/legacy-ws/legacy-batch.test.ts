import { afterEach, describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { serverFrameSchema } from '../../contracts/legacy-protocol.js';
import { envelope, envelopes, openReadyClient, TEST_JWT_SECRET, TEST_PUBLISH_KEY } from '../../test-support/legacy-ws/feed.js';
import { startLegacyServer, type LegacyServer } from './legacy-server.js';
import { encodeEvent, encodeEvents, encodeFrame } from './server-frames.js';

let server: LegacyServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const start = async () => (server = await startLegacyServer({ port: 0, jwtSecret: TEST_JWT_SECRET, publishKey: TEST_PUBLISH_KEY, ringSize: 500, faultInjection: true }));
const ids = (list: Array<{ stream: string; id: number }>) => list.map((item) => `${item.stream === 'cache_metrics' ? 'm' : 'e'}${item.id}`);

describe('legacy feed: batched delivery (subscribe batch: true)', () => {
  it('encodes a batch from the event frames byte for byte as the frame itself, and the contract accepts it', () => {
    const list = [envelope('cache_metrics', 1), envelope('system_events', 7), envelope('cache_metrics', 2)];
    const batch = encodeEvents(list.map(encodeEvent));
    expect(batch.equals(encodeFrame({ type: 'events', envelopes: list }))).toBe(true);
    expect(v.safeParse(serverFrameSchema, JSON.parse(batch.toString('utf8'))).success).toBe(true);
    expect(() => encodeEvents([encodeFrame({ type: 'heartbeat', server_time: 'now' })])).toThrow(/encodeEvent/);
  });

  it('sends one frame per publish, in publish order across streams, while a per-event subscriber beside it gets one frame each', async () => {
    const feed = await start();
    const batching = await openReadyClient(feed.feedUrl);
    const single = await openReadyClient(feed.feedUrl);
    batching.send({ type: 'subscribe', streams: ['cache_metrics', 'system_events'], batch: true });
    single.send({ type: 'subscribe', streams: ['cache_metrics', 'system_events'] });
    await batching.waitFor((frame) => frame.type === 'subscribed');
    await single.waitFor((frame) => frame.type === 'subscribed');
    feed.publish([envelope('cache_metrics', 1), envelope('system_events', 1), envelope('cache_metrics', 2)]);
    feed.publish([envelope('cache_metrics', 3)]);
    expect(ids(await batching.waitForEvents(4))).toEqual(['m1', 'e1', 'm2', 'm3']);
    expect(ids(await single.waitForEvents(4))).toEqual(['m1', 'e1', 'm2', 'm3']);
    const live = (frames: Array<{ type: string }>) => frames.filter((frame) => frame.type === 'event' || frame.type === 'events').map((frame) => frame.type);
    // A publish of one event needs no wrapper.
    expect(live(batching.frames)).toEqual(['events', 'event']);
    expect(live(single.frames)).toEqual(['event', 'event', 'event', 'event']);
    expect(feed.stats()).toMatchObject({ published: 4, sent: 8 });
  });

  it('holds only the streams a subscriber asked for, and sends nothing for a publish of the others', async () => {
    const feed = await start();
    const metricsOnly = await openReadyClient(feed.feedUrl);
    metricsOnly.send({ type: 'subscribe', streams: ['cache_metrics'], batch: true });
    await metricsOnly.waitFor((frame) => frame.type === 'subscribed');
    feed.publish([envelope('system_events', 1), envelope('system_events', 2)]);
    feed.publish([envelope('cache_metrics', 1), envelope('system_events', 3), envelope('cache_metrics', 2)]);
    expect(ids(await metricsOnly.waitForEvents(2))).toEqual(['m1', 'm2']);
    expect(metricsOnly.frames.filter((frame) => frame.type === 'events' || frame.type === 'event')).toHaveLength(1);
  });

  it('replays a resume as single frames first, then batches the live ones', async () => {
    const feed = await start();
    feed.publish(envelopes('cache_metrics', 1, 5));
    const client = await openReadyClient(feed.feedUrl);
    client.send({ type: 'subscribe', streams: ['cache_metrics'], resume: { cache_metrics: 2 }, batch: true });
    expect(await client.waitFor((frame) => frame.type === 'subscribed')).toMatchObject({ replay: { cache_metrics: 3 } });
    feed.publish(envelopes('cache_metrics', 6, 8));
    expect(ids(await client.waitForEvents(6))).toEqual(['m3', 'm4', 'm5', 'm6', 'm7', 'm8']);
    expect(client.frames.filter((frame) => frame.type === 'event' || frame.type === 'events').map((frame) => frame.type)).toEqual(['event', 'event', 'event', 'events']);
  });

  it('drops per event under the drop fault, batching or not, so the client sees holes to fill', async () => {
    const feed = await start();
    const client = await openReadyClient(feed.feedUrl);
    client.send({ type: 'subscribe', streams: ['cache_metrics'], batch: true });
    await client.waitFor((frame) => frame.type === 'subscribed');
    feed.faults!.dropRate(0.5);
    feed.publish(envelopes('cache_metrics', 1, 200));
    feed.faults!.dropRate(0);
    feed.publish([envelope('cache_metrics', 201)]);
    const received = await client.waitFor((frame) => frame.type === 'event' && (frame.envelope as { id: number }).id === 201);
    expect(received).toBeDefined();
    const delivered = client.frames.filter((frame) => frame.type === 'event').length;
    // 200 × 0.5: far from 0 and from 200 for any seed (binomial sd ≈ 7).
    expect(delivered).toBeGreaterThan(50);
    expect(delivered).toBeLessThan(170);
    expect(feed.stats().dropped).toBe(201 - delivered);
  });
});
