import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import type pg from 'pg';
import { WebSocket } from 'ws';
import { GET as historyRoute } from '@/app/api/monitoring/events/route';
import { createPool } from '@/lib/db/create-pool';
import { db } from '@/lib/db/pool';
import { createHistoryClient } from '@/lib/monitoring/history-client';
import type { MonitoringEvent, Stream } from '@/lib/monitoring/model';
import type { TransportFailure } from '@/lib/monitoring/transport-failure';
import { createMonitoringFeed, type MonitoringFeed, type MonitoringFeedOptions } from '@/lib/monitoring/monitoring-feed';
import { createRealtimeTransport, type RealtimeTransportOptions } from '@/lib/monitoring/transports/realtime-transport';
import { startRealtimeServer, type RealtimeServer } from '@/servers/local-supabase/realtime/start-realtime-server';
import { signApiKey } from '@/servers/local-supabase/secrets';
import { accessToken, setTestEnv, TEST_JWT_SECRET } from '@/test-support/ingest';
import { sampleData } from '@/test-support/monitoring/sample-rows';
import { waitUntil } from '@/test-support/monitoring/wait-until';
import { live } from '@/test-support/realtime/fault-waits';
import { startThrowawayPostgres, type ThrowawayPostgres, tolerateShutdown } from '@/test-support/throwaway-postgres';

/**
 * Everything real for the failure-mode tests and the `realtime-faults` bench: a throwaway
 * Postgres, the local Realtime server (its `faults` are the switches), the history route
 * in-process, and the dashboard's feed over the official supabase-js client.
 */
export interface FaultRig {
  server: RealtimeServer;
  pool: pg.Pool;
  /** A signed-in viewer's client; `tokenSeconds` is asked for the lifetime of each token its `accessToken` callback mints. */
  client(options?: { tokenSeconds?: () => number; heartbeatIntervalMs?: number }): Promise<SupabaseClient>;
  /** `feed()`, live, with two rows written and rendered: where every failure-mode scenario starts. */
  settledFeed(client: SupabaseClient, options?: Parameters<FaultRig['feed']>[1], timeoutMs?: number): Promise<MonitoringFeed>;
  /** Every distinct `lastFailure` the feed showed, in order. */
  failures(feed: MonitoringFeed): TransportFailure[];
  /** The dashboard's feed over the Realtime transport of `client` (fast retries; no fallback unless given). */
  feed(client: SupabaseClient, options?: Partial<MonitoringFeedOptions> & { transport?: Partial<RealtimeTransportOptions> }): MonitoringFeed;
  /** Inserts `n` metric rows, one statement each (so each is its own change). */
  insertMetrics(n: number): Promise<void>;
  /** A system event whose `attributes` are `bytes` long (over 1 MB, Realtime sends it trimmed with `Error 413`). */
  insertSystemEvent(bytes?: number): Promise<void>;
  /** Resolves once the rendered rows of `stream` (default metrics) equal the table's (same event_ids, same order, once each). */
  renderedEqualsTable(feed: MonitoringFeed, timeoutMs?: number, stream?: Stream): Promise<void>;
  /** Per stream: rows the table has that the feed does not render, and rows rendered more than once. */
  compare(feed: MonitoringFeed): Promise<{ lost: number; duplicated: number }>;
  /** Stops feeds and clients of this test (the server and database stay). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export const FAST_RETRY = { baseMs: 200, capMs: 1_000, minMs: 50, maxAttempts: null, nonRetryable: ['unauthorized' as const] };

export async function startFaultRig(options: { onLog?: (line: string) => void } = {}): Promise<FaultRig> {
  const postgres: ThrowawayPostgres = await startThrowawayPostgres({ seed: false });
  setTestEnv({ databaseUrl: postgres.databaseUrl, publishUrl: 'http://127.0.0.1:9/publish' });
  const pool = tolerateShutdown(createPool({ connectionString: postgres.databaseUrl, max: 2 }, () => undefined));
  const server = await startRealtimeServer({ port: 0, jwtSecret: TEST_JWT_SECRET, databaseUrl: postgres.databaseUrl, onLog: options.onLog });
  const anonKey = await signApiKey(TEST_JWT_SECRET, 'anon');
  const viewerToken = await accessToken();
  const feeds: MonitoringFeed[] = [];
  const failureLog = new WeakMap<MonitoringFeed, TransportFailure[]>();
  const clients: SupabaseClient[] = [];
  const history = createHistoryClient({
    fetch: (url) => historyRoute(new Request(new URL(url, 'http://127.0.0.1'), { headers: { authorization: `Bearer ${viewerToken}` } })),
    baseUrl: 'http://127.0.0.1/api/monitoring/events',
  });

  const tableIds = async (stream: Stream) => (await pool.query<{ event_id: string }>(`select event_id from public.${stream} order by id`)).rows.map((row) => row.event_id);
  const renderedIds = (feed: MonitoringFeed, stream: Stream = 'cache_metrics') => feed.getSnapshot().events[stream].map((event: MonitoringEvent) => event.eventId);

  const rig: FaultRig = {
    server,
    pool,
    async client({ tokenSeconds = () => 3_600, heartbeatIntervalMs } = {}) {
      // Like the browser session: the callback hands out a token that is valid now, every time it is asked.
      const client = createClient(server.url, anonKey, {
        accessToken: () => accessToken({ expiresIn: tokenSeconds() }),
        realtime: { transport: WebSocket as never, ...(heartbeatIntervalMs ? { heartbeatIntervalMs } : {}) },
        auth: { persistSession: false, autoRefreshToken: false },
      });
      clients.push(client);
      return client;
    },
    feed(client, { transport, ...feedOptions } = {}) {
      const feed = createMonitoringFeed({ primary: createRealtimeTransport({ client, ...transport }), history, retry: FAST_RETRY, ...feedOptions, limits: { tailCheckMs: 500, ...feedOptions.limits } });
      feeds.push(feed);
      const seen: TransportFailure[] = [];
      failureLog.set(feed, seen);
      feed.subscribe(() => {
        const last = feed.getSnapshot().lastFailure;
        if (last && seen.at(-1) !== last) seen.push(last);
      });
      feed.start();
      return feed;
    },
    async settledFeed(client, options, timeoutMs = 15_000) {
      const feed = rig.feed(client, options);
      await live(feed, timeoutMs);
      await rig.insertMetrics(2);
      await rig.renderedEqualsTable(feed, timeoutMs);
      return feed;
    },
    failures: (feed) => [...(failureLog.get(feed) ?? [])],
    async insertMetrics(n) {
      for (let index = 0; index < n; index += 1) {
        const data = sampleData('cache_metrics', index);
        const columns = Object.keys(data);
        await pool.query(
          `insert into public.cache_metrics (event_id, ${columns.join(', ')}) values (gen_random_uuid(), ${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
          Object.values(data),
        );
      }
    },
    async insertSystemEvent(bytes = 100) {
      await pool.query(
        `insert into public.system_events (event_id, source, level, kind, cache_name, message, attributes)
         values (gen_random_uuid(), 'test', 'info', 'test.event', null, 'a system event', jsonb_build_object('blob', repeat('x', $1::int)))`,
        [bytes],
      );
    },
    async renderedEqualsTable(feed, timeoutMs = 15_000, stream = 'cache_metrics') {
      const expected = (await tableIds(stream)).join();
      await waitUntil(() => renderedIds(feed, stream).join() === expected, `the rendered ${stream} to equal the table`, timeoutMs);
    },
    async compare(feed) {
      const table = await tableIds('cache_metrics');
      const rendered = renderedIds(feed);
      const shown = new Set(rendered);
      return { lost: table.filter((id) => !shown.has(id)).length, duplicated: rendered.length - shown.size };
    },
    async reset() {
      for (const feed of feeds.splice(0)) feed.stop();
      await Promise.all(clients.splice(0).map((client) => client.removeAllChannels().then(() => client.realtime.disconnect())));
      await pool.query('truncate public.cache_metrics, public.system_events');
    },
    async close() {
      await rig.reset();
      await server.close();
      await db().end();
      await pool.end();
      await postgres.stop();
    },
  };
  return rig;
}

