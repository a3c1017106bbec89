import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import type { MonitoringEvent, Stream } from '@/lib/monitoring/model';
import { sampleEnvelope } from '@/test-support/monitoring/sample-rows';
import { waitUntil } from '@/test-support/monitoring/wait-until';
import type { TransportHandlers, TransportSession } from '@/lib/monitoring/transport';
import type { TransportFailure } from '@/lib/monitoring/transport-failure';
import { createLegacyTransport } from '@/lib/monitoring/transports/legacy-transport';
import { signUserToken, TEST_JWT_SECRET, TEST_PUBLISH_KEY } from '@/test-support/legacy-ws/feed';
import { startLegacyServer, type LegacyServer, type LegacyServerOptions } from '@/servers/legacy-ws/legacy-server';

let server: LegacyServer | undefined;
const sessions: TransportSession[] = [];
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const session of sessions.splice(0)) session.close();
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await server?.close();
  server = undefined;
});

async function start(options: Partial<LegacyServerOptions> = {}) {
  server = await startLegacyServer({ port: 0, jwtSecret: TEST_JWT_SECRET, publishKey: TEST_PUBLISH_KEY, ...options });
  return server;
}

function connect(url: string, options: { token?: () => Promise<string | null>; resumeFrom?: Partial<Record<Stream, number>>; refreshLeadMs?: number } = {}) {
  const seen = { live: 0, events: [] as MonitoringEvent[], invalid: [] as string[], gaps: [] as Array<[Stream, number, number | null]>, closed: null as TransportFailure | null };
  const handlers: TransportHandlers = {
    onLive: () => (seen.live += 1),
    onEvent: (event) => seen.events.push(event),
    onInvalid: (reason) => seen.invalid.push(reason),
    onGap: (stream, afterId, untilId) => seen.gaps.push([stream, afterId, untilId]),
    onClosed: (reason) => (seen.closed = reason),
  };
  const transport = createLegacyTransport({ url, WebSocket, getAccessToken: options.token ?? (() => signUserToken()), refreshLeadMs: options.refreshLeadMs });
  sessions.push(transport.connect(handlers, { resumeFrom: options.resumeFrom ?? {} }));
  return seen;
}

const ids = (events: MonitoringEvent[]) => events.map((event) => event.id);

describe('legacy transport', () => {
  it('goes live on subscribe and delivers published envelopes as typed events', async () => {
    const feed = await start();
    const seen = connect(feed.feedUrl);
    await waitUntil(() => seen.live === 1, 'live');
    feed.publish([sampleEnvelope('cache_metrics', 1), sampleEnvelope('system_events', 1), sampleEnvelope('cache_metrics', 2)]);
    await waitUntil(() => seen.events.length === 3, '3 events');
    expect(seen.events.map((event) => [event.stream, event.id, event.provenance.transport])).toEqual([
      ['cache_metrics', 1, 'legacy'],
      ['system_events', 1, 'legacy'],
      ['cache_metrics', 2, 'legacy'],
    ]);
    expect(seen.events[0]).toMatchObject({ cacheName: 'sessions', hitRatio: 0.9 });
  });

  it('takes a publish as one WebSocket message (a batch subscription): the page pays per message, not per event', async () => {
    const feed = await start();
    let messages = 0;
    class CountingWebSocket extends WebSocket {
      constructor(url: string) {
        super(url);
        this.addEventListener('message', () => (messages += 1));
      }
    }
    const seen = { live: 0, events: [] as MonitoringEvent[], invalid: [] as string[] };
    const transport = createLegacyTransport({ url: feed.feedUrl, WebSocket: CountingWebSocket as unknown as typeof WebSocket, getAccessToken: () => signUserToken() });
    sessions.push(
      transport.connect(
        { onLive: () => (seen.live += 1), onEvent: (event) => seen.events.push(event), onInvalid: (reason) => seen.invalid.push(reason), onGap: () => undefined, onClosed: () => undefined },
        { resumeFrom: {} },
      ),
    );
    await waitUntil(() => seen.live === 1, 'live');
    const before = messages;
    feed.publish([sampleEnvelope('cache_metrics', 1), sampleEnvelope('system_events', 1), { ...sampleEnvelope('cache_metrics', 2), data: { n: 2 } }, sampleEnvelope('cache_metrics', 3)]);
    await waitUntil(() => seen.events.length === 3, '3 valid events');
    expect(messages - before).toBe(1);
    expect(seen.events.map((event) => `${event.stream}:${event.id}`)).toEqual(['cache_metrics:1', 'system_events:1', 'cache_metrics:3']);
    // One bad envelope in a batch costs that envelope, not the batch.
    expect(seen.invalid).toEqual([expect.stringContaining('data.')]);
  });

  it('resumes after the ids it already has', async () => {
    const feed = await start();
    feed.publish(Array.from({ length: 10 }, (_, index) => sampleEnvelope('cache_metrics', index + 1)));
    const seen = connect(feed.feedUrl, { resumeFrom: { cache_metrics: 6 } });
    await waitUntil(() => seen.events.length === 4, 'the replay');
    expect(ids(seen.events)).toEqual([7, 8, 9, 10]);
  });

  it('hands up a gap the server cannot replay', async () => {
    const feed = await start({ ringSize: 5 });
    feed.publish(Array.from({ length: 20 }, (_, index) => sampleEnvelope('cache_metrics', index + 1)));
    const seen = connect(feed.feedUrl, { resumeFrom: { cache_metrics: 3 } });
    await waitUntil(() => seen.events.length === 5, 'the replay');
    expect(seen.gaps).toEqual([['cache_metrics', 3, 15]]);
    expect(ids(seen.events)).toEqual([16, 17, 18, 19, 20]);
  });

  it('counts a malformed envelope as invalid and keeps the connection', async () => {
    const feed = await start();
    const seen = connect(feed.feedUrl);
    await waitUntil(() => seen.live === 1, 'live');
    feed.publish([{ ...sampleEnvelope('cache_metrics', 1), data: { n: 1 } }, sampleEnvelope('cache_metrics', 2)]);
    await waitUntil(() => seen.events.length === 1, 'the valid event');
    expect(seen.invalid).toEqual([expect.stringContaining('data.')]);
    expect(seen.closed).toBeNull();
  });

  it('ends as unauthorized when the server refuses the token', async () => {
    const feed = await start();
    const seen = connect(feed.feedUrl, { token: () => signUserToken({ secret: 'another-secret-0123456789abcdef0123' }) });
    const closed = await waitUntil(() => seen.closed ?? undefined, 'close');
    expect(closed).toMatchObject({ kind: 'unauthorized', code: 4001 });
    expect(seen.live).toBe(0);
  });

  it('ends as unauthorized without a session, before opening a socket', async () => {
    const feed = await start();
    const seen = connect(feed.feedUrl, { token: async () => null });
    expect(await waitUntil(() => seen.closed ?? undefined, 'close')).toMatchObject({ kind: 'unauthorized' });
    expect(feed.stats().clients).toBe(0);
  });

  it('ends as going away when the server shuts down', async () => {
    const feed = await start();
    const seen = connect(feed.feedUrl);
    await waitUntil(() => seen.live === 1, 'live');
    await feed.close();
    expect(await waitUntil(() => seen.closed ?? undefined, 'close')).toMatchObject({ kind: 'server_going_away', code: 1001 });
  });

  it('ends as a network failure when nothing listens', async () => {
    const feed = await start();
    const url = feed.feedUrl;
    await feed.close();
    const seen = connect(url);
    expect(await waitUntil(() => seen.closed ?? undefined, 'close')).toMatchObject({ kind: 'network' });
  });

  it('refreshes the token before it expires and stays connected past the first expiry', async () => {
    const feed = await start();
    let issued = 0;
    const seen = connect(feed.feedUrl, {
      token: () => signUserToken({ expiresInS: (issued += 1) === 1 ? 2 : 3_600 }),
      refreshLeadMs: 1_500,
    });
    await waitUntil(() => seen.live === 1, 'live');
    const firstExpiry = Date.now() + 2_000;
    await waitUntil(() => Date.now() > firstExpiry + 300 && issued >= 2, 'the first token to expire', 5_000);
    feed.publish([sampleEnvelope('cache_metrics', 1)]);
    await waitUntil(() => seen.events.length === 1, 'an event after the first expiry');
    expect(seen.closed).toBeNull();
  });

  it('treats a connection that goes silent for two heartbeats as dead', async () => {
    const silent = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((resolve) => silent.once('listening', resolve));
    cleanups.push(() => new Promise<void>((resolve) => silent.close(() => resolve())));
    silent.on('connection', (socket) => {
      socket.send(JSON.stringify({ type: 'ready', user_id: 'u', expires_at: Math.floor(Date.now() / 1000) + 3_600, heartbeat_ms: 100, streams: ['cache_metrics', 'system_events'] }));
      socket.send(JSON.stringify({ type: 'subscribed', streams: ['cache_metrics', 'system_events'], head: {}, replay: {} }));
    });
    const { port } = silent.address() as { port: number };
    const seen = connect(`ws://127.0.0.1:${port}/v1/feed`);
    expect(await waitUntil(() => seen.closed ?? undefined, 'close')).toMatchObject({ kind: 'heartbeat_timeout' });
    expect(seen.live).toBe(1);
  });
});
