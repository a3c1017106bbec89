import { randomUUID } from 'node:crypto';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { SignJWT } from 'jose';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { MonitoringEvent } from '@/lib/monitoring/model';
import { sampleData } from '@/test-support/monitoring/sample-rows';
import { waitUntil } from '@/test-support/monitoring/wait-until';
import type { Stream } from '@/lib/monitoring/model';
import type { Transport, TransportHandlers, TransportSession } from '@/lib/monitoring/transport';
import type { TransportFailure } from '@/lib/monitoring/transport-failure';
import { createRealtimeTransport } from '@/lib/monitoring/transports/realtime-transport';
import { startRealtimeServer, type RealtimeServer } from '@/servers/local-supabase/realtime/start-realtime-server';
import { signApiKey } from '@/servers/local-supabase/secrets';
import { startThrowawayPostgres, type ThrowawayPostgres, tolerateShutdown } from '@/test-support/throwaway-postgres';

const JWT_SECRET = 'monitoring-realtime-test-secret-0123456789abcdef';
let postgres: ThrowawayPostgres;
let server: RealtimeServer;
let pool: pg.Pool;
let anonKey: string;
const clients: SupabaseClient[] = [];
const sessions: TransportSession[] = [];

beforeAll(async () => {
  postgres = await startThrowawayPostgres({ seed: false });
  pool = tolerateShutdown(new pg.Pool({ connectionString: postgres.databaseUrl, max: 2 }));
  server = await startRealtimeServer({ port: 0, jwtSecret: JWT_SECRET, databaseUrl: postgres.databaseUrl });
  anonKey = await signApiKey(JWT_SECRET, 'anon');
});

afterEach(async () => {
  for (const session of sessions.splice(0)) session.close();
  await Promise.all(clients.splice(0).map((client) => client.removeAllChannels()));
});

afterAll(async () => {
  await server?.close();
  await pool?.end();
  await postgres?.stop();
});

/**
 * A signed-in user's client. `accessToken` stands in for the browser session: supabase-js
 * re-reads the token on every (re)connect, and without a session it would push the anon key.
 */
async function userClient(url = server.url): Promise<SupabaseClient> {
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ role: 'authenticated', email: 'viewer@switchyard.local' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(randomUUID())
    .setIssuedAt(now)
    .setExpirationTime(now + 3_600)
    .sign(new TextEncoder().encode(JWT_SECRET));
  const client = createClient(url, anonKey, { accessToken: async () => token, realtime: { transport: WebSocket as never }, auth: { persistSession: false, autoRefreshToken: false } });
  await client.realtime.setAuth(token);
  clients.push(client);
  return client;
}

function connect(client: SupabaseClient, transport: Transport = createRealtimeTransport({ client }), resumeFrom: Partial<Record<Stream, number>> = {}) {
  const seen = { live: 0, eventsAtLive: -1, events: [] as MonitoringEvent[], invalid: [] as string[], closed: null as TransportFailure | null };
  const handlers: TransportHandlers = {
    onLive: () => {
      seen.live += 1;
      seen.eventsAtLive = seen.events.length;
    },
    onEvent: (event) => seen.events.push(event),
    onInvalid: (reason) => seen.invalid.push(reason),
    onGap: () => {},
    onClosed: (reason) => (seen.closed = reason),
  };
  const session = transport.connect(handlers, { resumeFrom });
  sessions.push(session);
  return Object.assign(seen, { session });
}

/** Live, or fail fast with the reason the session ended. */
async function awaitLive(seen: ReturnType<typeof connect>): Promise<void> {
  await waitUntil(() => {
    if (seen.closed) throw new Error(`realtime session ended before live: ${JSON.stringify(seen.closed)}`);
    return seen.live === 1;
  }, 'live', 15_000);
}

async function insertMetric(n: number): Promise<{ id: number; event_id: string }> {
  const [row] = await insertMetrics([n]);
  return row!;
}

/** One statement (one ingest batch) inserting a metric per `n`, in order. */
async function insertMetrics(ns: number[]): Promise<Array<{ id: number; event_id: string }>> {
  const rows = ns.map((n) => sampleData('cache_metrics', n));
  const columns = Object.keys(rows[0]!);
  const values: unknown[] = [];
  const tuples = rows.map((data) => `(gen_random_uuid(), ${columns.map((column) => `$${values.push((data as Record<string, unknown>)[column])}`).join(', ')})`);
  const result = await pool.query<{ id: string; event_id: string }>(
    `insert into public.cache_metrics (event_id, ${columns.join(', ')}) values ${tuples.join(', ')} returning id, event_id`,
    values,
  );
  return result.rows.map((row) => ({ id: Number(row.id), event_id: row.event_id })).sort((a, b) => a.id - b.id);
}

async function insertSystemEvent(): Promise<{ id: number; event_id: string }> {
  const { rows } = await pool.query<{ id: string; event_id: string }>(
    `insert into public.system_events (event_id, source, level, kind, cache_name, message, attributes)
     values (gen_random_uuid(), 'test', 'warn', 'cache.eviction_storm', null, 'evictions spiked', '{"rate": 120}') returning id, event_id`,
  );
  const row = rows[0] as { id: string; event_id: string };
  return { id: Number(row.id), event_id: row.event_id };
}

describe('realtime transport (official supabase-js against the local Realtime server)', () => {
  it('goes live once the database subscription is confirmed and delivers inserts as typed events', async () => {
    const seen = connect(await userClient());
    await awaitLive(seen);
    const metric = await insertMetric(1);
    const event = await insertSystemEvent();
    await waitUntil(() => seen.events.length === 2, 'two events');
    expect(seen.events.map((item) => [item.stream, item.id, item.eventId, item.provenance.transport])).toEqual([
      ['cache_metrics', metric.id, metric.event_id, 'realtime'],
      ['system_events', event.id, event.event_id, 'realtime'],
    ]);
    expect(seen.events[0]).toMatchObject({ cacheName: 'sessions', hits: 91, hitRatio: 0.9, windowSeconds: 1 });
    expect(seen.events[1]).toMatchObject({ level: 'warn', cacheName: null, attributes: { rate: 120 } });
    expect(seen.invalid).toEqual([]);
  });

  it('delivers a burst of inserts once each', async () => {
    const seen = connect(await userClient());
    await awaitLive(seen);
    const inserted = [];
    for (let n = 0; n < 50; n += 1) inserted.push(await insertMetric(n));
    await waitUntil(() => seen.events.length >= 50, '50 events');
    expect(seen.events.map((item) => item.eventId)).toEqual(inserted.map((row) => row.event_id));
  });

  it('ends the session with a named failure when the server goes away, and goes live again on a new session', async () => {
    const client = await userClient();
    const seen = connect(client);
    await awaitLive(seen);
    await server.close();
    const closed = await waitUntil(() => seen.closed ?? undefined, 'the session to end');
    expect(closed.kind).toBe('channel_error');
    server = await startRealtimeServer({ port: server.port, jwtSecret: JWT_SECRET, databaseUrl: postgres.databaseUrl });
    const again = connect(client);
    await awaitLive(again);
    const metric = await insertMetric(7);
    await waitUntil(() => again.events.length === 1, 'an event on the new session');
    expect(again.events[0]?.eventId).toBe(metric.event_id);
  });
});

describe('realtime transport, broadcast strategy (Broadcast from Database on private channels)', () => {
  const broadcast = (client: SupabaseClient) => createRealtimeTransport({ client, strategy: 'broadcast' });

  it('goes live once both private channels are joined and replication is ready, and delivers each row as a typed event', async () => {
    const client = await userClient();
    const seen = connect(client, broadcast(client));
    await awaitLive(seen);
    expect(client.getChannels().map((channel) => channel.topic).sort()).toEqual(['realtime:monitoring:cache_metrics', 'realtime:monitoring:system_events']);
    const metric = await insertMetric(3);
    const event = await insertSystemEvent();
    await waitUntil(() => seen.events.length === 2, 'two events');
    expect(seen.events.map((item) => [item.stream, item.id, item.eventId, item.provenance.transport])).toEqual([
      ['cache_metrics', metric.id, metric.event_id, 'realtime'],
      ['system_events', event.id, event.event_id, 'realtime'],
    ]);
    expect(seen.events[0]).toMatchObject({ cacheName: 'sessions', windowSeconds: 1 });
    expect(seen.events[1]).toMatchObject({ level: 'warn', attributes: { rate: 120 } });
    expect(seen.invalid).toEqual([]);
  });

  it('understands the batched envelope: one message per ingest statement, rows in id order', async () => {
    const client = await userClient();
    const seen = connect(client, broadcast(client));
    await awaitLive(seen);
    await pool.query(`update public.monitoring_broadcast_settings set envelope = 'batch'`);
    try {
      const before = (await pool.query<{ n: number }>(`select count(*)::int as n from realtime.messages where topic = 'monitoring:cache_metrics'`)).rows[0]!.n;
      const rows = await insertMetrics([1, 2, 3, 4]);
      await waitUntil(() => seen.events.length === 4, 'four events');
      expect(seen.events.map((item) => item.eventId)).toEqual(rows.map((row) => row.event_id));
      const after = (await pool.query<{ n: number }>(`select count(*)::int as n from realtime.messages where topic = 'monitoring:cache_metrics'`)).rows[0]!.n;
      expect(after - before).toBe(1);
    } finally {
      await pool.query(`update public.monitoring_broadcast_settings set envelope = 'row'`);
    }
  });

  it('is refused for a caller the policies do not admit (anon), as an unauthorized failure', async () => {
    const client = createClient(server.url, anonKey, { realtime: { transport: WebSocket as never }, auth: { persistSession: false, autoRefreshToken: false } });
    clients.push(client);
    const seen = connect(client, broadcast(client));
    const closed = await waitUntil(() => seen.closed ?? undefined, 'the session to end');
    // Both channels are refused; whichever reply arrives first ends the session.
    expect(closed).toMatchObject({ kind: 'unauthorized', message: expect.stringMatching(/^Unauthorized: You do not have permissions to read from this Channel topic: monitoring:(cache_metrics|system_events)$/) });
    expect(seen.live).toBe(0);
  });

  /** A signed-in user tries to send a forged row on the monitoring topic; what a broadcast viewer then sees, up to a later database row. */
  async function forgeAndWatch(forgedId: number, markerValue: number): Promise<{ seen: string[]; marker: string }> {
    const listener = await userClient();
    const seen = connect(listener, broadcast(listener));
    await awaitLive(seen);
    const sender = await userClient();
    const channel = sender.channel('monitoring:cache_metrics', { config: { private: true } });
    await new Promise<void>((resolve, reject) => channel.subscribe((status) => (status === 'SUBSCRIBED' ? resolve() : status !== 'CLOSED' && reject(new Error(status)))));
    const forged = { ...sampleData('cache_metrics', 1), id: forgedId, event_id: randomUUID(), emitted_at: new Date().toISOString() };
    void channel.send({ type: 'broadcast', event: 'INSERT', payload: { record: forged } });
    // Marker on the same path: a row the database broadcasts after the forged message was sent.
    const marker = await insertMetric(markerValue);
    await waitUntil(() => seen.events.some((event) => event.eventId === marker.event_id), 'the marker row');
    return { seen: seen.events.map((event) => event.eventId), marker: marker.event_id };
  }

  it('lets nobody send on the monitoring topics through the API: a signed-in user’s broadcast is dropped', async () => {
    const { seen, marker } = await forgeAndWatch(999_999_999, 2);
    expect(seen).toEqual([marker]);
  });

  it('keeps the monitoring topics closed to senders even when a later migration adds a generic INSERT policy', async () => {
    await pool.query(`create policy test_any_insert on realtime.messages for insert to authenticated with check (true)`);
    try {
      const { seen, marker } = await forgeAndWatch(999_999_998, 3);
      expect(seen).toEqual([marker]);
    } finally {
      await pool.query('drop policy test_any_insert on realtime.messages');
    }
  });

  it('replays what a resumed session missed before it goes live', async () => {
    const client = await userClient();
    const transport = broadcast(client);
    const first = connect(client, transport);
    await awaitLive(first);
    const seenBefore = await insertMetric(10);
    await waitUntil(() => first.events.length === 1, 'the first event');
    first.session.close();
    const missed = [await insertMetric(11), await insertMetric(12), await insertMetric(13)];
    const second = connect(client, transport, { cache_metrics: seenBefore.id });
    await awaitLive(second);
    // Replayed before live: the event it had (dropped by the layer's dedupe) and the three it missed.
    expect(second.events.slice(0, second.eventsAtLive).map((item) => item.eventId)).toEqual([seenBefore.event_id, ...missed.map((row) => row.event_id)]);
  });
});
