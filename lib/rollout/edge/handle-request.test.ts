import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NextRequest, type NextResponse } from 'next/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GET as getSnapshot } from '@/app/api/rollout/snapshot/route';
import { db } from '@/lib/db/pool';
import { setTestEnv } from '@/test-support/ingest';
import { COHORT_COOKIE, COHORT_COOKIE_TTL_S, signCohortCookie, verifyCohortCookie, type CohortClaim } from '@/lib/rollout/cohort-cookie';
import type { RolloutConfig } from '@/lib/rollout/config';
import { changeConfig } from '@/lib/rollout/server/config-store';
import { ANON_COOKIE } from '@/lib/rollout/cohort';
import { handleRequest } from '@/lib/rollout/edge/handle-request';
import { snapshotToken } from '@/lib/rollout/edge/internal-token';
import { sessionCookie, userToken } from '@/test-support/api';
import { serveRoute, type ServedRoute } from '@/test-support/serve-route';
import { startThrowawayPostgres, type ThrowawayPostgres } from '@/test-support/throwaway-postgres';

// The middleware's whole path, for real: a NextRequest through handleRequest, which fetches
// the config snapshot over HTTP from the real snapshot route handler (served on port 0).
let postgres: ThrowawayPostgres;
let app: ServedRoute;
let snapshotCalls = 0;
let secret: string;
const OVERRIDDEN = randomUUID();
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';

beforeAll(async () => {
  postgres = await startThrowawayPostgres({ seed: false });
  app = await serveRoute((request) => {
    snapshotCalls += 1;
    return getSnapshot(request);
  });
  setTestEnv({ databaseUrl: postgres.databaseUrl, publishUrl: 'http://127.0.0.1:9/internal/publish' });
  process.env.APP_URL = app.origin;
  secret = process.env.ROLLOUT_COOKIE_SECRET as string;
  // Version 2: shadow for everyone, one user overridden onto Realtime.
  await changeConfig(db(), { actor: { id: null, email: 'test' }, commands: [{ type: 'set-stage', stage: 'shadow' }, { type: 'set-override', userId: OVERRIDDEN, cohort: 'realtime' }], reason: 'middleware test' });
});

afterAll(async () => {
  await app?.close();
  await db().end();
  await postgres?.stop();
});

function page(path: string, cookies: string[] = []): NextRequest {
  return new NextRequest(new URL(path, 'http://127.0.0.1:3000'), { headers: { 'user-agent': CHROME, ...(cookies.length ? { cookie: cookies.join('; ') } : {}) } });
}

async function signedIn(sub: string): Promise<string> {
  return sessionCookie(await userToken({ sub, email: `${sub.slice(0, 8)}@example.com` }));
}

/** The sy-cohort the response sets, verified with the app's secret (null when none is set). */
async function cohortSet(response: NextResponse): Promise<CohortClaim | null | 'forged'> {
  const value = response.cookies.get(COHORT_COOKIE)?.value;
  if (value === undefined) return null;
  return (await verifyCohortCookie(value, secret)) ?? 'forged';
}

const passedThrough = (response: NextResponse) => response.headers.get('x-middleware-next') === '1';

describe('middleware (handleRequest)', () => {
  it('gives a signed-in visitor a signed cohort cookie from the served config snapshot, and passes it to the page', async () => {
    const response = await handleRequest(page('/', [await signedIn(OVERRIDDEN)]));
    expect(passedThrough(response)).toBe(true);
    const claim = await cohortSet(response);
    expect(claim).toEqual({ userId: OVERRIDDEN, cohort: 'realtime', configVersion: 2, bucket: expect.any(Number) });
    expect(response.cookies.get(COHORT_COOKIE)).toMatchObject({ path: '/', maxAge: COHORT_COOKIE_TTL_S, httpOnly: true, sameSite: 'lax' });
    // The page rendered for this very request sees the fresh cookie, not the stale one.
    expect(response.headers.get('x-middleware-request-cookie')).toContain(`${COHORT_COOKIE}=`);
    expect(response.cookies.get(ANON_COOKIE)).toBeUndefined();
    expect(snapshotCalls).toBeGreaterThan(0);

    const other = randomUUID();
    const second = await cohortSet(await handleRequest(page('/validation', [await signedIn(other)])));
    expect(second).toMatchObject({ userId: other, cohort: 'shadow', configVersion: 2 });
  });

  it('leaves a valid, current cookie alone', async () => {
    const user = randomUUID();
    const session = await signedIn(user);
    const first = await handleRequest(page('/', [session]));
    const value = first.cookies.get(COHORT_COOKIE)?.value;
    const again = await handleRequest(page('/', [session, `${COHORT_COOKIE}=${value}`]));
    expect(passedThrough(again)).toBe(true);
    expect(await cohortSet(again)).toBeNull();
  });

  it('replaces forged, expired, foreign and garbage cohort cookies without breaking the request', async () => {
    const user = randomUUID();
    const session = await signedIn(user);
    const honest: CohortClaim = { userId: user, bucket: 1, cohort: 'realtime', configVersion: 2 };
    const bad = [
      await signCohortCookie(honest, 'someone-elses-secret-someone-elses-secret'),
      await signCohortCookie(honest, secret, Date.now() - 2 * COHORT_COOKIE_TTL_S * 1000),
      await signCohortCookie({ ...honest, userId: OVERRIDDEN }, secret),
      await signCohortCookie({ ...honest, configVersion: 1 }, secret),
      'garbage',
      'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
    ];
    for (const value of bad) {
      const response = await handleRequest(page('/', [session, `${COHORT_COOKIE}=${value}`]));
      expect(passedThrough(response)).toBe(true);
      expect(await cohortSet(response)).toMatchObject({ userId: user, cohort: 'shadow', configVersion: 2 });
    }
  });

  it('sends an anonymous visitor of a protected page to the login page, without a cohort', async () => {
    const response = await handleRequest(page('/settings/rollout?tab=audit'));
    expect(response.status).toBe(307);
    expect(new URL(response.headers.get('location') ?? '').pathname + new URL(response.headers.get('location') ?? '').search).toBe(`/login?next=${encodeURIComponent('/settings/rollout?tab=audit')}`);
    expect(await cohortSet(response)).toBeNull();
  });

  it('gives an anonymous visitor of a public page a stable sy-anon id to bucket by, and keeps it', async () => {
    // Every app page but /login needs a session; the public paths that get a cohort are the /.well-known ones.
    const first = await handleRequest(page('/.well-known/switchyard'));
    expect(passedThrough(first)).toBe(true);
    const anon = first.cookies.get(ANON_COOKIE)?.value;
    expect(anon).toMatch(/^anon-[0-9a-f-]{36}$/);
    expect(await cohortSet(first)).toMatchObject({ userId: anon, cohort: 'shadow' });

    const returning = await handleRequest(page('/.well-known/switchyard', [`${ANON_COOKIE}=${anon}`]));
    expect(returning.cookies.get(ANON_COOKIE)).toBeUndefined();
    expect(await cohortSet(returning)).toMatchObject({ userId: anon });

    const tampered = await handleRequest(page('/.well-known/switchyard', [`${ANON_COOKIE}=${OVERRIDDEN}`]));
    const replaced = tampered.cookies.get(ANON_COOKIE)?.value;
    expect(replaced).toMatch(/^anon-/);
    expect(await cohortSet(tampered)).toMatchObject({ userId: replaced, cohort: 'shadow' });
  });

  it('keeps pages working on the all-legacy default when the app cannot serve a snapshot', async () => {
    const appUrl = process.env.APP_URL;
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    process.env.APP_URL = `http://127.0.0.1:${(dead.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    try {
      // A fresh middleware instance (empty snapshot cache, env re-read) whose app is down.
      vi.resetModules();
      const fresh = await import('@/lib/rollout/edge/handle-request');
      const user = randomUUID();
      const response = await fresh.handleRequest(page('/', [await signedIn(user)]));
      expect(passedThrough(response)).toBe(true);
      expect(await cohortSet(response)).toMatchObject({ userId: user, cohort: 'legacy', configVersion: 1 });
    } finally {
      process.env.APP_URL = appUrl;
    }
  });

  it('does not bucket API routes or the login page', async () => {
    for (const path of ['/api/rollout/me', '/login']) {
      const response = await handleRequest(page(path));
      expect(passedThrough(response)).toBe(true);
      expect(response.headers.get('set-cookie')).toBeNull();
    }
  });
});

describe('GET /api/rollout/snapshot', () => {
  const get = (authorization?: string) => getSnapshot(new Request('http://127.0.0.1/api/rollout/snapshot', { headers: authorization ? { authorization } : {} }));

  it('serves the current config to the middleware token only', async () => {
    const ok = await get(`Bearer ${await snapshotToken(secret)}`);
    expect(ok.status).toBe(200);
    expect((await ok.json()) as RolloutConfig).toMatchObject({ version: 2, stage: 'shadow', overrides: { [OVERRIDDEN]: 'realtime' } });
  });

  it('rejects a missing, wrong or user bearer with 401', async () => {
    const wrong = [undefined, 'Bearer wrong', `Bearer ${await snapshotToken('another-secret-another-secret-another')}`, `Bearer ${secret}`, `Bearer ${await userToken({ role: 'admin' })}`];
    for (const authorization of wrong) {
      const response = await get(authorization);
      expect({ authorization, status: response.status, body: await response.json() }).toEqual({ authorization, status: 401, body: { error: { code: 'unauthorized', message: expect.any(String) } } });
    }
  });
});
