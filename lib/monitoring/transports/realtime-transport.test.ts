import { randomUUID } from 'node:crypto';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { SignJWT } from 'jose';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { MonitoringEvent } from '@/lib/monitoring/model';
import { sampleData } from '@/test-support/monitoring/sample-rows';
import { waitUntil } from '@/test-support/monitoring/wait-until';
import type { TransportHandlers, TransportSession } from '@/lib/monitoring/transport';
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

function connect(client: SupabaseClient) {
  const seen = { live: 0, events: [] as MonitoringEvent[], invalid: [] as string[], closed: null as TransportFailure | null };
  const handlers: TransportHandlers = {
    onLive: () => (seen.live += 1),
    onEvent: (event) => seen.events.push(event),
    onInvalid: (reason) => seen.invalid.push(reason),
    onGap: () => {},
    onClosed: (reason) => (seen.closed = reason),
  };
  sessions.push(createRealtimeTransport({ client }).connect(handlers, { resumeFrom: {} }));
  return seen;
}

/** Live, or fail fast with the reason the session ended. */
async function awaitLive(seen: ReturnType<typeof connect>): Promise<void> {
  await waitUntil(() => {
    if (seen.closed) throw new Error(`realtime session ended before live: ${JSON.stringify(seen.closed)}`);
    return seen.live === 1;
  }, 'live', 15_000);
}

async function insertMetric(n: number): Promise<{ id: number; event_id: string }> {
  const data = sampleData('cache_metrics', n);
  const columns = Object.keys(data);
  const { rows } = await pool.query<{ id: string; event_id: string }>(
    `insert into public.cache_metrics (event_id, ${columns.join(', ')}) values (gen_random_uuid(), ${columns.map((_, index) => `$${index + 1}`).join(', ')}) returning id, event_id`,
    Object.values(data),
  );
  const row = rows[0] as { id: string; event_id: string };
  return { id: Number(row.id), event_id: row.event_id };
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
