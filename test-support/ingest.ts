import { setAppEnv } from '@/test-support/env';
// Test support for the ingest and history suites (not a test file itself).
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';

export const TEST_INGEST_KEY = `sy_ingest_test_${'k'.repeat(32)}`;
export const TEST_JWT_SECRET = 'test-jwt-secret-test-jwt-secret-0123456789';
export const TEST_PUBLISH_KEY = `publish-${'p'.repeat(40)}`;

/** The app env for a route under test; call before the first request (env is read lazily). */
export function setTestEnv(options: { databaseUrl: string; publishUrl: string }): void {
  setAppEnv({
    SUPABASE_URL: 'http://127.0.0.1:9',
    SUPABASE_ANON_KEY: 'anon-key-anon-key-anon-key',
    SUPABASE_SERVICE_ROLE_KEY: 'service-key-service-key-service-key',
    SUPABASE_JWT_SECRET: TEST_JWT_SECRET,
    DATABASE_URL: options.databaseUrl,
    INGEST_API_KEY: TEST_INGEST_KEY,
    LEGACY_WS_URL: 'ws://127.0.0.1:9/v1/feed',
    LEGACY_PUBLISH_URL: options.publishUrl,
    LEGACY_PUBLISH_KEY: TEST_PUBLISH_KEY,
    ROLLOUT_COOKIE_SECRET: randomBytes(32).toString('hex'),
  });
}

export function metric(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_id: randomUUID(),
    source: 'cache-node-1',
    cache_name: 'sessions',
    window_seconds: 1,
    hits: 90,
    misses: 10,
    evictions: 1,
    keys: 500,
    memory_bytes: 1_048_576,
    hit_ratio: 0.9,
    ops_per_sec: 100,
    p50_latency_ms: 0.4,
    p99_latency_ms: 2.5,
    ...overrides,
  };
}

export function event(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { event_id: randomUUID(), source: 'cache-node-1', level: 'warn', kind: 'cache.eviction_storm', cache_name: 'sessions', message: 'evictions spiked', attributes: { rate: 120 }, ...overrides };
}

export function ingestRequest(body: unknown, options: { key?: string | null; contentType?: string; headers?: Record<string, string> } = {}): Request {
  const key = options.key === undefined ? TEST_INGEST_KEY : options.key;
  return new Request('http://127.0.0.1/api/ingest', {
    method: 'POST',
    headers: {
      'content-type': options.contentType ?? 'application/json',
      ...(key === null ? {} : { authorization: `Bearer ${key}` }),
      ...options.headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** A user access token as the local Auth server signs it. */
export function accessToken(options: { sub?: string; role?: string; admin?: boolean; expiresIn?: number; secret?: string } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: options.role ?? 'authenticated', email: 'viewer@switchyard.local', app_metadata: options.admin ? { role: 'admin' } : {} })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.sub ?? randomUUID())
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresIn ?? 3600))
    .sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
}

export interface ReceivedPublish {
  authorization: string | undefined;
  envelopes: Array<Record<string, unknown>>;
}

/**
 * The receiving edge of the legacy publisher: a real HTTP server that records each
 * publish and answers `status` (202 by default). `waitFor` resolves once `count`
 * envelopes have arrived in total.
 */
export async function startReceiver(options: { port?: number; status?: number } = {}) {
  const received: ReceivedPublish[] = [];
  const waiters: Array<{ done: () => boolean; resolve: () => void }> = [];
  const total = () => received.reduce((sum, r) => sum + r.envelopes.length, 0);
  const seen = new Set<unknown>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { envelopes: Array<Record<string, unknown>> };
      received.push({ authorization: request.headers.authorization, envelopes: body.envelopes });
      for (const envelope of body.envelopes) seen.add(envelope.event_id);
      response.writeHead(options.status ?? 202, { 'content-type': 'application/json' }).end('{}');
      for (const waiter of waiters.filter((w) => w.done())) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  function wait(done: () => boolean, what: string, timeoutMs: number): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`receiver: no ${what} after ${timeoutMs} ms (${total()} envelopes received)`)), timeoutMs);
      waiters.push({ done, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }
  return {
    port,
    url: `http://127.0.0.1:${port}/internal/publish`,
    received,
    envelopes: () => received.flatMap((r) => r.envelopes),
    /** Resolves once `count` envelopes have arrived in total. */
    waitFor(count: number, timeoutMs = 10_000): Promise<void> {
      return wait(() => total() >= count, `${count} envelopes`, timeoutMs);
    },
    /** Resolves once an envelope with each of these event ids has arrived. */
    waitForEventIds(eventIds: string[], timeoutMs = 10_000): Promise<void> {
      return wait(() => eventIds.every((id) => seen.has(id)), `event ids ${eventIds.join(', ')}`, timeoutMs);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve()).closeAllConnections()),
  };
}
