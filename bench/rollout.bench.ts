import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { NextRequest } from 'next/server';
import { round, type BenchModule, type BenchRow } from './harness.js';

const SECRET = 'bench-jwt-secret-0123456789abcdef0123456789';
const COOKIE_SECRET = 'bench-cookie-secret-0123456789abcdef012345';

function timeIt(iterations: number, fn: (i: number) => unknown): number {
  for (let i = 0; i < Math.min(10_000, iterations); i += 1) fn(i);
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i += 1) fn(i);
  return Number(process.hrtime.bigint() - started) / iterations / 1000;
}

async function timeAsync(iterations: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 200; i += 1) await fn(i);
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i += 1) await fn(i);
  return Number(process.hrtime.bigint() - started) / iterations / 1000;
}

/**
 * Cost of the rollout decision on the request path: bucketing + evaluation alone, the
 * cookie round trip, and the whole middleware function (`handleRequest`: session
 * verification, snapshot lookup, cohort cookie) on a signed-in request.
 */
export const rolloutBench: BenchModule = {
  id: 'rollout',
  title: 'Rollout bucketing and middleware cost',
  async run(): Promise<BenchRow[]> {
    const { bucketOf } = await import('../lib/rollout/bucket.js');
    const { evaluate } = await import('../lib/rollout/evaluate.js');
    const { DEFAULT_CONFIG } = await import('../lib/rollout/config.js');
    const { signCohortCookie, verifyCohortCookie } = await import('../lib/rollout/cohort-cookie.js');
    const config = {
      ...DEFAULT_CONFIG,
      stage: '50' as const,
      percentage: 50,
      highWater: 75,
      overrides: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`override-${i}`, 'realtime' as const])),
      segments: Array.from({ length: 10 }, (_, i) => ({ id: `seg-${i}`, name: `Segment ${i}`, enabled: true, cohort: 'realtime' as const, rule: { emailDomains: [`team${i}.example`], roles: [], browsers: [], segments: [], userIds: [] } })),
    };
    const ids = Array.from({ length: 10_000 }, (_, i) => `5f1c2a7e-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const bucketUs = timeIt(1_000_000, (i) => bucketOf(config.rolloutKey, config.bucketVersion, ids[i % ids.length] as string));
    const evaluateUs = timeIt(1_000_000, (i) => evaluate(config, { userId: ids[i % ids.length] as string, email: 'someone@example.com', role: 'viewer', segment: null, browser: 'chrome' }));
    const cookie = await signCohortCookie({ userId: ids[0] as string, bucket: 1, cohort: 'realtime', configVersion: 1 }, COOKIE_SECRET);
    const signUs = await timeAsync(20_000, () => signCohortCookie({ userId: ids[0] as string, bucket: 1, cohort: 'realtime', configVersion: 1 }, COOKIE_SECRET));
    const verifyUs = await timeAsync(20_000, () => verifyCohortCookie(cookie, COOKIE_SECRET));

    // The whole middleware function, in-process, with the config snapshot served locally.
    const snapshot = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(config)));
    await new Promise<void>((resolve) => snapshot.listen(0, '127.0.0.1', resolve));
    const appUrl = `http://127.0.0.1:${(snapshot.address() as AddressInfo).port}`;
    Object.assign(process.env, {
      SUPABASE_URL: 'http://127.0.0.1:1',
      SUPABASE_ANON_KEY: 'anon-key-for-the-benchmark-0123456789',
      SUPABASE_SERVICE_ROLE_KEY: 'service-key-for-the-benchmark-0123456789',
      SUPABASE_JWT_SECRET: SECRET,
      DATABASE_URL: 'postgresql://unused@127.0.0.1:1/x',
      LEGACY_WS_URL: 'ws://127.0.0.1:1/v1/feed',
      LEGACY_PUBLISH_URL: 'http://127.0.0.1:1/internal/publish',
      LEGACY_PUBLISH_KEY: 'publish-key-for-the-benchmark-0123456789',
      ROLLOUT_COOKIE_SECRET: COOKIE_SECRET,
      APP_URL: appUrl,
    });
    const { handleRequest } = await import('../lib/rollout/edge/handle-request.js');
    const now = Math.floor(Date.now() / 1000);
    const accessToken = await new SignJWT({ role: 'authenticated', email: 'viewer@switchyard.local', app_metadata: { role: 'viewer' }, session_id: 's1' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(ids[1] as string)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(new TextEncoder().encode(SECRET));
    const session = JSON.stringify({ access_token: accessToken, token_type: 'bearer', expires_in: 3600, expires_at: now + 3600, refresh_token: 'r', user: { id: ids[1], aud: 'authenticated', role: 'authenticated', email: 'viewer@switchyard.local', app_metadata: {}, user_metadata: {}, created_at: new Date().toISOString() } });
    const authCookie = `sb-127-auth-token=base64-${Buffer.from(session).toString('base64url')}`;
    const request = (withCohort: boolean) =>
      new NextRequest('http://127.0.0.1:3000/', { headers: { cookie: withCohort ? `${authCookie}; sy-cohort=${cookie}` : authCookie, 'user-agent': 'Mozilla/5.0 Chrome/150.0' } });
    const middlewareFreshUs = await timeAsync(3_000, () => handleRequest(request(false)));
    snapshot.close();
    return [
      { table: 'Per evaluation', name: 'bucketOf (murmur3 → 10,000 buckets)', metrics: { 'µs/call': round(bucketUs, 3) }, note: 'target < 5 µs (with evaluate)' },
      { table: 'Per evaluation', name: 'evaluate (100 overrides, 10 segments)', metrics: { 'µs/call': round(evaluateUs, 3) }, note: 'target < 5 µs' },
      { table: 'Per evaluation', name: 'cohort cookie sign (HS256, Web Crypto)', metrics: { 'µs/call': round(signUs, 1) }, note: 'only when the decision changes' },
      { table: 'Per evaluation', name: 'cohort cookie verify', metrics: { 'µs/call': round(verifyUs, 1) } },
      { table: 'Per request', name: 'middleware handleRequest, signed-in page request', metrics: { 'µs/call': round(middlewareFreshUs, 1) }, note: 'session verify + snapshot (in memory) + cohort; no network' },
    ];
  },
};
