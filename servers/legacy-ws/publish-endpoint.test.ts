import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelope, envelopes, openReadyClient, TEST_JWT_SECRET, TEST_PUBLISH_KEY } from '../../test-support/legacy-ws/feed.js';
import { startLegacyServer, type LegacyServer } from './legacy-server.js';

let feed: LegacyServer;
beforeAll(async () => {
  feed = await startLegacyServer({ port: 0, jwtSecret: TEST_JWT_SECRET, publishKey: TEST_PUBLISH_KEY });
});
afterAll(async () => {
  await feed.close();
});

function post(body: unknown, key: string | null = TEST_PUBLISH_KEY, init: RequestInit = {}) {
  return fetch(feed.publishUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(key === null ? {} : { Authorization: `Bearer ${key}` }) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  });
}

describe('POST /internal/publish', () => {
  it('accepts a batch with 202 and fans it out to subscribers', async () => {
    const client = await openReadyClient(feed.feedUrl);
    client.send({ type: 'subscribe', streams: ['cache_metrics'] });
    await client.waitFor((frame) => frame.type === 'subscribed');
    const batch = envelopes('cache_metrics', 1, 3);
    const response = await post({ envelopes: [...batch, batch[0]] });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ accepted: 3, duplicates: 1 });
    expect(await client.waitForEvents(3)).toEqual(batch);
    client.ws.close();
  });

  it('answers 401 without the bearer publish key or with a wrong one', async () => {
    for (const key of [null, 'wrong-key', `${TEST_PUBLISH_KEY}x`]) {
      const response = await post({ envelopes: [] }, key);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    }
    expect(feed.stats().published).toBe(3);
  });

  it('answers 400 with the error envelope for invalid JSON', async () => {
    const response = await post('{"envelopes": [');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_json' } });
  });

  it('answers 400 naming the field for envelopes that break the schema', async () => {
    const bad = [{ ...envelope('cache_metrics', 10), event_id: 'not-a-uuid' }, { ...envelope('system_events', 11), stream: 'other' }, { ...envelope('system_events', 12), id: -1 }];
    for (const item of bad) {
      const response = await post({ envelopes: [item] });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('invalid_body');
      expect(body.error.message).toMatch(/^envelopes\.0\.(event_id|stream|id):/);
    }
    expect((await post({ nothing: true })).status).toBe(400);
  });

  it('answers 400 for more than 1,000 envelopes in one publish', async () => {
    const response = await post({ envelopes: envelopes('system_events', 100, 1_100) });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_body' } });
  });

  it('answers 405 to other methods and 404 to other paths', async () => {
    expect((await fetch(feed.publishUrl)).status).toBe(405);
    expect((await fetch(feed.publishUrl.replace('/internal/publish', '/nowhere'))).status).toBe(404);
    expect((await fetch(feed.publishUrl.replace('/internal/publish', '/health'))).status).toBe(200);
  });
});
