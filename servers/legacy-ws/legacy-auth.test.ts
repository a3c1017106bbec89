import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLOSE_CODES } from '../../contracts/legacy-protocol.js';
import { openClient, openReadyClient, signUserToken, TEST_JWT_SECRET, TEST_PUBLISH_KEY } from '../../test-support/legacy-ws/feed.js';
import { startLegacyServer, type LegacyServer } from './legacy-server.js';

let server: LegacyServer;
beforeEach(async () => {
  server = await startLegacyServer({ port: 0, jwtSecret: TEST_JWT_SECRET, publishKey: TEST_PUBLISH_KEY, authTimeoutMs: 300 });
});
afterEach(async () => {
  await server.close();
});

async function closeCodeAfterAuth(token: string) {
  const client = await openClient(server.feedUrl);
  client.send({ type: 'auth', token });
  return (await client.closed).code;
}

describe('legacy feed authentication', () => {
  it('accepts a valid user token and answers ready with the user id and expiry', async () => {
    const token = await signUserToken({ sub: 'user-42' });
    const client = await openReadyClient(server.feedUrl, token);
    expect(client.frames[0]).toMatchObject({ type: 'ready', user_id: 'user-42', heartbeat_ms: 15_000, streams: ['cache_metrics', 'system_events'] });
    expect(server.stats().authenticatedClients).toBe(1);
    client.ws.close();
  });

  it('closes with 4003 when no auth frame arrives in time', async () => {
    const client = await openClient(server.feedUrl);
    expect((await client.closed).code).toBe(CLOSE_CODES.authTimeout);
  });

  it('closes with 4001 when the first frame is not auth', async () => {
    const client = await openClient(server.feedUrl);
    client.send({ type: 'subscribe', streams: ['cache_metrics'] });
    expect((await client.closed).code).toBe(CLOSE_CODES.unauthorized);
  });

  it('closes with 4001 for a missing or empty token', async () => {
    const client = await openClient(server.feedUrl);
    client.send({ type: 'auth' });
    expect((await client.closed).code).toBe(CLOSE_CODES.unauthorized);
    expect(await closeCodeAfterAuth('')).toBe(CLOSE_CODES.unauthorized);
  });

  it('closes with 4001 for a token signed with another secret', async () => {
    const token = await signUserToken({ secret: 'some-other-secret-that-is-long-enough-0000' });
    expect(await closeCodeAfterAuth(token)).toBe(CLOSE_CODES.unauthorized);
  });

  it('closes with 4001 for a token using another algorithm, or none', async () => {
    expect(await closeCodeAfterAuth(await signUserToken({ alg: 'HS384' }))).toBe(CLOSE_CODES.unauthorized);
    const [, payload] = (await signUserToken()).split('.');
    const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
    expect(await closeCodeAfterAuth(unsigned)).toBe(CLOSE_CODES.unauthorized);
  });

  it('closes with 4001 for a non-user token such as the anon API key', async () => {
    expect(await closeCodeAfterAuth(await signUserToken({ role: 'anon' }))).toBe(CLOSE_CODES.unauthorized);
  });

  it('closes with 4002 for an expired token', async () => {
    expect(await closeCodeAfterAuth(await signUserToken({ expiresInS: -10 }))).toBe(CLOSE_CODES.tokenExpired);
    expect(server.stats().authFailures).toBe(1);
  });

  it('closes with 4002 when the token expires mid-session', async () => {
    // exp has whole-second resolution: 2 s leaves at least 1 s to authenticate first.
    const client = await openReadyClient(server.feedUrl, await signUserToken({ expiresInS: 2 }));
    expect((await client.closed).code).toBe(CLOSE_CODES.tokenExpired);
  });

  it('keeps the session past the old expiry after a token refresh', async () => {
    const shortLived = await signUserToken({ expiresInS: 2 });
    const client = await openReadyClient(server.feedUrl, shortLived);
    const witness = await openReadyClient(server.feedUrl, shortLived);
    client.send({ type: 'token', token: await signUserToken({ expiresInS: 3600 }) });
    const refreshed = await client.waitFor((frame) => frame.type === 'token_refreshed');
    expect(refreshed.expires_at).toBeGreaterThan(Date.now() / 1000 + 3000);
    // The witness, which did not refresh, is closed at the old expiry; the refreshed session still answers.
    expect((await witness.closed).code).toBe(CLOSE_CODES.tokenExpired);
    client.send({ type: 'ping', ref: 'after-expiry' });
    await client.waitFor((frame) => frame.type === 'pong' && frame.ref === 'after-expiry');
    client.ws.close();
  });

  it('closes with 4001 when a refresh token belongs to another user', async () => {
    const client = await openReadyClient(server.feedUrl, await signUserToken({ sub: 'user-1' }));
    client.send({ type: 'token', token: await signUserToken({ sub: 'user-2' }) });
    expect((await client.closed).code).toBe(CLOSE_CODES.unauthorized);
  });

  it('rejects the upgrade on any path other than /v1/feed', async () => {
    await expect(openClient(`${server.url}/v2/other`)).rejects.toThrow(/404/);
  });
});
