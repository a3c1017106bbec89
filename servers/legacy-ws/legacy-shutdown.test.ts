import { describe, expect, it } from 'vitest';
import { CLOSE_CODES } from '../../contracts/legacy-protocol.js';
import { envelope, openClient, openReadyClient, TEST_JWT_SECRET, TEST_PUBLISH_KEY } from '../../test-support/legacy-ws/feed.js';
import { startLegacyServer } from './legacy-server.js';

describe('legacy feed shutdown', () => {
  it('sends 1001 going-away to every client, then stops listening', async () => {
    const feed = await startLegacyServer({ port: 0, jwtSecret: TEST_JWT_SECRET, publishKey: TEST_PUBLISH_KEY });
    const subscriber = await openReadyClient(feed.feedUrl);
    subscriber.send({ type: 'subscribe', streams: ['system_events'] });
    await subscriber.waitFor((frame) => frame.type === 'subscribed');
    feed.publish([envelope('system_events', 1)]);
    await subscriber.waitForEvents(1);
    const unauthenticated = await openClient(feed.feedUrl);

    await feed.close();

    expect(await subscriber.closed).toEqual({ code: CLOSE_CODES.goingAway, reason: 'server shutting down' });
    expect((await unauthenticated.closed).code).toBe(CLOSE_CODES.goingAway);
    expect(feed.stats().clients).toBe(0);
    await expect(openClient(feed.feedUrl)).rejects.toThrow(/ECONNREFUSED/);
  });
});
