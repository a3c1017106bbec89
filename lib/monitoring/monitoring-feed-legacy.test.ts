import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createHistoryClient } from '@/lib/monitoring/history-client';
import type { Stream } from '@/lib/monitoring/model';
import { createMonitoringFeed, type MonitoringFeed } from '@/lib/monitoring/monitoring-feed';
import { createMemoryHistory } from '@/test-support/monitoring/memory-history';
import { serveHistory } from '@/test-support/monitoring/serve-history';
import { waitUntil } from '@/test-support/monitoring/wait-until';
import { createLegacyTransport } from '@/lib/monitoring/transports/legacy-transport';
import { signUserToken, TEST_JWT_SECRET, TEST_PUBLISH_KEY } from '@/test-support/legacy-ws/feed';
import { startLegacyServer, type LegacyServer } from '@/servers/legacy-ws/legacy-server';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const retry = { baseMs: 100, capMs: 400, minMs: 20, maxAttempts: null, nonRetryable: ['unauthorized'] as const };

describe('monitoring feed over the real legacy server', () => {
  it('ends an outage with a server restart holding exactly the table rows, in order, once each', async () => {
    const table = createMemoryHistory();
    const history = await serveHistory(table);
    cleanups.push(() => history.close());
    let legacy: LegacyServer | null = await startLegacyServer({ port: 0, jwtSecret: TEST_JWT_SECRET, publishKey: TEST_PUBLISH_KEY });
    const port = legacy.port;
    cleanups.push(() => legacy?.close());

    /** What the ingest API does: commit, then publish best-effort. */
    const write = (stream: Stream) => {
      const row = table.insert(stream);
      legacy?.publish([row]);
    };

    const feed: MonitoringFeed = createMonitoringFeed({
      primary: createLegacyTransport({ url: `ws://127.0.0.1:${port}/v1/feed`, WebSocket, getAccessToken: () => signUserToken() }),
      history: createHistoryClient({ fetch, baseUrl: history.url, pageSize: 40 }),
      initial: { cache_metrics: [], system_events: [] },
      retry: { ...retry, nonRetryable: [...retry.nonRetryable] },
    });
    cleanups.push(() => feed.stop());
    feed.start();
    await waitUntil(() => feed.getSnapshot().status === 'live', 'live');

    for (let n = 0; n < 60; n += 1) write(n % 3 === 0 ? 'system_events' : 'cache_metrics');
    await waitUntil(() => feed.getSnapshot().events.cache_metrics.length === 40, 'the first rows');

    const down = legacy;
    legacy = null;
    await down.close();
    await waitUntil(() => feed.getSnapshot().status === 'reconnecting', 'reconnecting');
    for (let n = 0; n < 150; n += 1) write(n % 3 === 0 ? 'system_events' : 'cache_metrics');

    legacy = await startLegacyServer({ port, jwtSecret: TEST_JWT_SECRET, publishKey: TEST_PUBLISH_KEY });
    await waitUntil(() => legacy?.stats().subscribers.cache_metrics === 1, 'the client back');
    for (let n = 0; n < 60; n += 1) write(n % 3 === 0 ? 'system_events' : 'cache_metrics');

    const expected = (stream: Stream) => table.rows[stream].map((row) => row.event_id);
    const rendered = (stream: Stream) => feed.getSnapshot().events[stream].map((event) => event.eventId);
    await waitUntil(() => rendered('cache_metrics').length === expected('cache_metrics').length && rendered('system_events').length === expected('system_events').length, 'every row');
    expect(rendered('cache_metrics')).toEqual(expected('cache_metrics'));
    expect(rendered('system_events')).toEqual(expected('system_events'));
    // The last gap fill may still be settling when the rows are all in: wait for it to end.
    await waitUntil(() => feed.getSnapshot().status === 'live', 'live after the fill');
    const snapshot = feed.getSnapshot();
    expect(snapshot.reconnects).toBeGreaterThanOrEqual(1);
    expect(snapshot.gapFills.recovered).toBeGreaterThanOrEqual(150);
    expect(snapshot.status).toBe('live');
  });
});
