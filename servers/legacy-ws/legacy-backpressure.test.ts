import { afterEach, describe, expect, it, vi } from 'vitest';
import { CLOSE_CODES } from '../../contracts/legacy-protocol.js';
import { envelope, openReadyClient, TEST_JWT_SECRET, TEST_PUBLISH_KEY, type FeedTestClient } from '../../test-support/legacy-ws/feed.js';
import { startLegacyServer, type LegacyServer } from './legacy-server.js';

let server: LegacyServer | undefined;
afterEach(async () => {
  await server?.close();
});

const MAX_BUFFERED = 256 * 1024;
const BATCH = 100;
const MAX_BATCHES = 400; // 40 MB at most: far past any loopback socket buffer

async function subscribed(feedUrl: string): Promise<FeedTestClient> {
  const client = await openReadyClient(feedUrl);
  client.send({ type: 'subscribe', streams: ['cache_metrics'] });
  await client.waitFor((frame) => frame.type === 'subscribed');
  return client;
}

describe('legacy feed backpressure', () => {
  it('closes a client that stops reading with 4008 while others keep up, and never buffers past the bound', async () => {
    const feed = await startLegacyServer({ port: 0, jwtSecret: TEST_JWT_SECRET, publishKey: TEST_PUBLISH_KEY, ringSize: 100, maxBufferedBytes: MAX_BUFFERED });
    server = feed;
    const reader = await subscribed(feed.feedUrl);
    const stalled = await subscribed(feed.feedUrl);
    (stalled.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();

    const padding = 'p'.repeat(1_000);
    let nextId = 1;
    for (let batch = 0; batch < MAX_BATCHES && feed.stats().slowConsumerDisconnects === 0; batch += 1) {
      feed.publish(Array.from({ length: BATCH }, () => envelope('cache_metrics', nextId++, { padding })));
      // Let the reader drain before the next batch, so only the stalled client falls behind.
      await reader.waitFor((frame) => frame.type === 'event' && (frame.envelope as { id: number }).id === nextId - 1, reader.frames.length - 1);
      reader.frames.splice(0, reader.frames.length - 1);
    }

    const stats = feed.stats();
    expect(stats.slowConsumerDisconnects).toBe(1);
    expect(stats.peakClientBufferedBytes).toBeLessThanOrEqual(MAX_BUFFERED);
    expect(stats.clients).toBeLessThanOrEqual(2);
    expect(stats.subscribers.cache_metrics).toBe(1);

    (stalled.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    expect((await stalled.closed).code).toBe(CLOSE_CODES.slowConsumer);
    await vi.waitFor(() => expect(feed.stats()).toMatchObject({ clients: 1, bufferedBytes: 0 }), { timeout: 10_000, interval: 20 });

    feed.publish([envelope('cache_metrics', nextId)]);
    await reader.waitFor((frame) => frame.type === 'event' && (frame.envelope as { id: number }).id === nextId);
    expect(reader.ws.readyState).toBe(reader.ws.OPEN);
  });
});
