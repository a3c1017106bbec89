import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { POST as ingestRoute } from '@/app/api/ingest/route';
import { GET as historyRoute } from '@/app/api/monitoring/events/route';
import { db } from '@/lib/db/pool';
import { legacyPublisher } from '@/lib/ingest/legacy-publisher';
import { accessToken, event, ingestRequest, metric, setTestEnv, TEST_JWT_SECRET, TEST_PUBLISH_KEY } from '@/test-support/ingest';
import { createHistoryClient } from '@/lib/monitoring/history-client';
import type { MonitoringEvent, Stream } from '@/lib/monitoring/model';
import { createMonitoringFeed, type MonitoringFeed, type MonitoringFeedOptions } from '@/lib/monitoring/monitoring-feed';
import { waitUntil } from '@/test-support/monitoring/wait-until';
import { createLegacyTransport } from '@/lib/monitoring/transports/legacy-transport';
import { createRealtimeTransport } from '@/lib/monitoring/transports/realtime-transport';
import { startLegacyServer, type LegacyServer } from '@/servers/legacy-ws/legacy-server';
import { startRealtimeServer, type RealtimeServer } from '@/servers/local-supabase/realtime/start-realtime-server';
import { signApiKey } from '@/servers/local-supabase/secrets';
import { startThrowawayPostgres, type ThrowawayPostgres } from '@/test-support/throwaway-postgres';

// Everything real: Postgres, the ingest and history route handlers (in-process), the legacy
// server, the local Realtime server and the official supabase-js client.
let postgres: ThrowawayPostgres;
let legacy: LegacyServer;
let realtime: RealtimeServer;
let realtimePort: number;
let token: string;
let anonKey: string;
const feeds: MonitoringFeed[] = [];
const clients: SupabaseClient[] = [];

beforeAll(async () => {
  postgres = await startThrowawayPostgres({ seed: false });
  legacy = await startLegacyServer({ port: 0, jwtSecret: TEST_JWT_SECRET, publishKey: TEST_PUBLISH_KEY });
  setTestEnv({ databaseUrl: postgres.databaseUrl, publishUrl: legacy.publishUrl });
  realtime = await startRealtimeServer({ port: 0, jwtSecret: TEST_JWT_SECRET, databaseUrl: postgres.databaseUrl });
  realtimePort = realtime.port;
  token = await accessToken();
  anonKey = await signApiKey(TEST_JWT_SECRET, 'anon');
});

afterEach(async () => {
  for (const feed of feeds.splice(0)) feed.stop();
  await Promise.all(clients.splice(0).map((client) => client.removeAllChannels()));
});

afterAll(async () => {
  await legacyPublisher().close();
  await db().end();
  await realtime?.close();
  await legacy?.close();
  await postgres?.stop();
});

async function supabase(): Promise<SupabaseClient> {
  // `accessToken` stands in for the browser session (re-read on every reconnect).
  const client = createClient(`http://127.0.0.1:${realtimePort}`, anonKey, { accessToken: async () => token, realtime: { transport: WebSocket as never }, auth: { persistSession: false, autoRefreshToken: false } });
  await client.realtime.setAuth(token);
  clients.push(client);
  return client;
}

async function feedWith(options: Partial<MonitoringFeedOptions> & Pick<MonitoringFeedOptions, 'primary'>): Promise<MonitoringFeed> {
  const feed = createMonitoringFeed({
    history: createHistoryClient({
      fetch: (url) => historyRoute(new Request(new URL(url, 'http://127.0.0.1'), { headers: { authorization: `Bearer ${token}` } })),
      baseUrl: 'http://127.0.0.1/api/monitoring/events',
    }),
    retry: { baseMs: 200, capMs: 1_000, minMs: 50, maxAttempts: null, nonRetryable: ['unauthorized'] },
    ...options,
  });
  feeds.push(feed);
  feed.start();
  return feed;
}

const legacyTransport = () => createLegacyTransport({ url: legacy.feedUrl, WebSocket, getAccessToken: async () => token });

/** Concurrent batches through the real ingest route (commit order may differ from id order). */
async function ingest(batches: number, perBatch = 4): Promise<void> {
  const responses = await Promise.all(
    Array.from({ length: batches }, () => ingestRoute(ingestRequest({ metrics: Array.from({ length: perBatch }, () => metric()), events: [event()] }))),
  );
  expect(responses.map((response) => response.status)).toEqual(responses.map(() => 200));
}

async function tableEventIds(stream: Stream): Promise<string[]> {
  const { rows } = await db().query<{ event_id: string }>(`select event_id from public.${stream} order by id`);
  return rows.map((row) => row.event_id);
}

const eventIds = (events: readonly MonitoringEvent[]) => events.map((item) => item.eventId);

async function renderedEqualsTable(feed: MonitoringFeed): Promise<void> {
  const expected = { cache_metrics: await tableEventIds('cache_metrics'), system_events: await tableEventIds('system_events') };
  await waitUntil(
    () => eventIds(feed.getSnapshot().events.cache_metrics).join() === expected.cache_metrics.join() && eventIds(feed.getSnapshot().events.system_events).join() === expected.system_events.join(),
    `the rendered events to equal the table (${expected.cache_metrics.length} + ${expected.system_events.length} rows)`,
    15_000,
  );
}

describe('monitoring feed over both real transports', () => {
  it('delivers the same sequence on Realtime and on the legacy feed for the same ingest', async () => {
    const shadowSeen: MonitoringEvent[] = [];
    const feed = await feedWith({ primary: createRealtimeTransport({ client: await supabase() }), shadow: legacyTransport(), onShadowEvent: (item) => shadowSeen.push(item) });
    await waitUntil(() => feed.getSnapshot().status === 'live' && feed.getSnapshot().shadow?.phase === 'live', 'both transports live', 15_000);
    const before = { cache_metrics: feed.getSnapshot().events.cache_metrics.length, system_events: feed.getSnapshot().events.system_events.length };
    await ingest(10);
    await renderedEqualsTable(feed);
    const snapshot = feed.getSnapshot();
    const fresh = (stream: Stream) => snapshot.events[stream].slice(before[stream]);
    const shadowOrdered = (stream: Stream) => shadowSeen.filter((item) => item.stream === stream).sort((a, b) => a.id - b.id);
    await waitUntil(() => shadowSeen.length >= fresh('cache_metrics').length + fresh('system_events').length, 'the shadow copies');
    expect(eventIds(shadowOrdered('cache_metrics'))).toEqual(eventIds(fresh('cache_metrics')));
    expect(eventIds(shadowOrdered('system_events'))).toEqual(eventIds(fresh('system_events')));
    expect(fresh('cache_metrics').every((item) => item.provenance.transport === 'realtime')).toBe(true);
  });

  it('falls back to the legacy feed when Realtime dies and returns when it is back, ending with exactly the table rows', async () => {
    const feed = await feedWith({
      primary: createRealtimeTransport({ client: await supabase() }),
      fallback: legacyTransport(),
      fallbackPolicy: { afterFailures: 2, afterDownMs: 1_000, immediate: ['subscribe_failed'], returnAfterLiveMs: 1_000 },
    });
    await waitUntil(() => feed.getSnapshot().status === 'live', 'live', 15_000);
    await ingest(3);
    await renderedEqualsTable(feed);

    await realtime.close();
    await waitUntil(() => feed.getSnapshot().status === 'fallback', 'the fallback', 10_000);
    expect(feed.getSnapshot()).toMatchObject({ transport: 'legacy', fallback: { active: true } });
    await ingest(5);
    await renderedEqualsTable(feed);
    expect(feed.getSnapshot().events.cache_metrics.at(-1)?.provenance.transport).toBe('legacy');

    realtime = await startRealtimeServer({ port: realtimePort, jwtSecret: TEST_JWT_SECRET, databaseUrl: postgres.databaseUrl });
    await waitUntil(() => !feed.getSnapshot().fallback.active && feed.getSnapshot().transport === 'realtime', 'the return to Realtime', 30_000);
    await ingest(5);
    await renderedEqualsTable(feed);
    const snapshot = feed.getSnapshot();
    expect(snapshot.fallback.log.map((record) => record.kind)).toEqual(['engaged', 'returned']);
    expect(snapshot.events.cache_metrics.at(-1)?.provenance.transport).toBe('realtime');
    expect(new Set(eventIds(snapshot.events.cache_metrics)).size).toBe(snapshot.events.cache_metrics.length);
  });
});
