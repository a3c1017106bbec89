import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GET as getGates } from '@/app/api/migration/gates/route';
import { GET as getConfig, POST as postConfig } from '@/app/api/rollout/config/route';
import { GET as getExplain } from '@/app/api/rollout/explain/route';
import { GET as getMe } from '@/app/api/rollout/me/route';
import { POST as postPreview } from '@/app/api/rollout/preview/route';
import { GET as getReport } from '@/app/api/validation/report/route';
import { POST as postSamples } from '@/app/api/validation/samples/route';
import { db } from '@/lib/db/pool';
import { TEST_JWT_SECRET } from '@/test-support/ingest';
import { apiRequest, DEMO, errorOf, serviceRoleKey, userToken } from '@/test-support/api';
import { signApiKey } from '@/servers/local-supabase/secrets';
import { pipelineDatabase } from '@/test-support/validation-pipeline';

pipelineDatabase();

async function currentVersion(): Promise<number> {
  const { rows } = await db().query<{ version: number }>('select version from public.rollout_config where id = 1');
  return rows[0]?.version ?? 1;
}

/**
 * A batch any permitted caller may send: a heartbeat (no samples) in the caller's own
 * cohort — the probe's for the service role, legacy for everyone at the default config.
 * (What a batch may claim is checked in samples-api.test.ts.)
 */
const sampleBatch = async (headers: Record<string, string>) => ({
  observer: `observer-${randomUUID().slice(0, 8)}`,
  cohort: headers.authorization === `Bearer ${await serviceRoleKey()}` ? 'probe' : 'legacy',
  browser: 'chrome',
  clock_offset_ms: 0,
  errors: { legacy: 1, realtime: 0 },
  samples: [],
});

interface Route {
  name: string;
  admin: boolean;
  /** The status a permitted caller gets. */
  ok: number;
  call(headers: Record<string, string>): Promise<Response>;
}

/** Every rollout, validation and migration API route, each with a request a permitted caller may make. */
const ROUTES: Route[] = [
  { name: 'GET /api/rollout/config', admin: true, ok: 200, call: (headers) => getConfig(apiRequest('/api/rollout/config', { headers })) },
  {
    name: 'POST /api/rollout/config',
    admin: true,
    ok: 200,
    call: async (headers) => postConfig(apiRequest('/api/rollout/config', { headers, body: { commands: [{ type: 'set-auto-advance', autoAdvance: false }], reason: 'authorization matrix', expectedVersion: await currentVersion() } })),
  },
  { name: 'POST /api/rollout/preview', admin: true, ok: 200, call: (headers) => postPreview(apiRequest('/api/rollout/preview', { headers, body: { commands: [{ type: 'set-stage', stage: '25' }] } })) },
  { name: 'GET /api/rollout/explain', admin: true, ok: 200, call: (headers) => getExplain(apiRequest(`/api/rollout/explain?user=${encodeURIComponent(DEMO.viewer.email)}`, { headers })) },
  { name: 'GET /api/migration/gates', admin: true, ok: 200, call: (headers) => getGates(apiRequest('/api/migration/gates', { headers })) },
  { name: 'GET /api/rollout/me', admin: false, ok: 200, call: (headers) => getMe(apiRequest('/api/rollout/me', { headers })) },
  { name: 'GET /api/validation/report', admin: false, ok: 200, call: (headers) => getReport(apiRequest('/api/validation/report?since=15m', { headers })) },
  { name: 'POST /api/validation/samples', admin: false, ok: 202, call: async (headers) => postSamples(apiRequest('/api/validation/samples', { headers, body: await sampleBatch(headers) })) },
];

const bearer = (token: string | null): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});

async function statusOf(route: Route, token: string | null): Promise<number> {
  const response = await route.call(bearer(token));
  if (response.status >= 400) expect((await errorOf(response)).code).toEqual(expect.any(String));
  return response.status;
}

/** Calls every route in turn (POST config bumps the version, so never concurrently). */
async function matrix(token: string | null, routes = ROUTES): Promise<Record<string, number>> {
  const statuses: Record<string, number> = {};
  for (const route of routes) statuses[route.name] = await statusOf(route, token);
  return statuses;
}

const expected = (pick: (route: Route) => number, routes = ROUTES) => Object.fromEntries(routes.map((route) => [route.name, pick(route)]));

describe('API authorization', () => {
  it('answers 401 with the error envelope to anonymous callers on every route', async () => {
    for (const route of ROUTES) {
      const response = await route.call({});
      expect({ route: route.name, ...(await errorOf(response)) }).toEqual({ route: route.name, status: 401, code: 'unauthorized', message: expect.any(String) });
    }
  });

  it('answers 401 to expired, forged and anon-key bearers, never 403 or 200', async () => {
    const bad = [
      await userToken({ role: 'admin', expiresIn: -60 }),
      await userToken({ role: 'admin', secret: 'another-secret-another-secret-another-secret' }),
      await signApiKey(TEST_JWT_SECRET, 'anon'),
      'not-a-jwt',
    ];
    for (const token of bad) expect(await matrix(token)).toEqual(expected(() => 401));
  });

  it('refuses viewers on admin routes with 403 and serves them the user routes', async () => {
    const before = await currentVersion();
    expect(await matrix(await userToken({ role: 'viewer', sub: DEMO.viewer.id, email: DEMO.viewer.email }))).toEqual(expected((route) => (route.admin ? 403 : route.ok)));
    expect(await currentVersion()).toBe(before);
  });

  it('serves admins on every route', async () => {
    const before = await currentVersion();
    expect(await matrix(await userToken({ role: 'admin', sub: DEMO.admin.id, email: DEMO.admin.email }))).toEqual(expected((route) => route.ok));
    expect(await currentVersion()).toBe(before + 1);
  });

  it('treats the service-role key as an admin', async () => {
    const before = await currentVersion();
    expect(await matrix(await serviceRoleKey())).toEqual(expected((route) => route.ok));
    expect(await currentVersion()).toBe(before + 1);
    const { rows } = await db().query<{ actor_email: string }>('select actor_email from public.rollout_audit order by id desc limit 1');
    expect(rows[0]?.actor_email).toBe('service_role');
  });

  it('answers a non-Bearer Authorization header with 401 rather than falling back to cookies', async () => {
    for (const route of ROUTES) {
      const response = await route.call({ authorization: 'Basic dXNlcjpwYXNz' });
      expect({ route: route.name, ...(await errorOf(response)) }).toEqual({ route: route.name, status: 401, code: 'unauthorized', message: expect.any(String) });
    }
  });
});
