import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../test-support/wait-for.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../../test-support/throwaway-postgres.js';
import { ADMIN, officialClient, VIEWER } from '../../test-support/local-supabase/auth-stack.js';
import { signApiKey } from './secrets.js';
import { startSupabaseApi } from './supabase-api.js';

type RunningApi = Awaited<ReturnType<typeof startSupabaseApi>>;

const jwtSecret = 'restart-test-jwt-secret-with-32-characters';
let postgres: ThrowawayPostgres;
let api: RunningApi;
let anonKey: string;
let serviceRoleKey: string;
const logs: string[] = [];

beforeAll(async () => {
  postgres = await startThrowawayPostgres();
  anonKey = await signApiKey(jwtSecret, 'anon');
  serviceRoleKey = await signApiKey(jwtSecret, 'service_role');
  const secrets = {
    jwtSecret,
    anonKey,
    serviceRoleKey,
    dbPassword: 'unused-by-the-api-0000',
    ingestApiKey: 'unused-by-the-api-unused-by-the-api-0000',
    legacyPublishKey: 'unused-by-the-api-unused-by-the-api-0000',
    rolloutCookieSecret: 'unused-by-the-api-unused-by-the-api-0000',
    flagsSecret: 'unused-by-the-api-unused-by-the-api-0000',
  };
  const restart = async (downMs: number) => {
    await postgres.restart({ downMs });
    return { pid: null };
  };
  api = await startSupabaseApi({ port: 0, databaseUrl: postgres.databaseUrl, secrets, postgres: { restart }, onLog: (line) => logs.push(line) });
});

afterAll(async () => {
  await api?.close();
  await postgres?.stop();
});

async function signIn(credentials: { email: string; password: string }) {
  return officialClient(api.url, anonKey).auth.signInWithPassword(credentials);
}

function restartPostgres(body: unknown, bearer: string | null = serviceRoleKey): Promise<Response> {
  return fetch(`${api.url}/__switchyard/postgres`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: JSON.stringify(body),
  });
}

describe('the local Supabase API across a Postgres restart', () => {
  it('keeps running while Postgres is down and signs users in again once it is back', async () => {
    // Warm the Auth pool so idle connections exist when Postgres goes away.
    const before = await Promise.all([signIn(VIEWER), signIn(ADMIN), signIn(VIEWER)]);
    expect(before.map((result) => result.error)).toEqual([null, null, null]);

    const restarted = await restartPostgres({ action: 'restart', downMs: 2_000 });
    expect(restarted.status).toBe(200);
    expect(await restarted.json()).toMatchObject({ restarted: true, downMs: 2_000, tookMs: expect.any(Number) });

    const after = await waitFor(async () => {
      const result = await signIn(VIEWER);
      return result.error ? undefined : result;
    }, 'a sign-in after the restart', 30_000, 200);
    expect(after.data.session?.access_token).toEqual(expect.any(String));
    const refreshed = await officialClient(api.url, anonKey).auth.refreshSession({ refresh_token: before[1].data.session!.refresh_token });
    expect(refreshed.error).toBeNull();
    expect(refreshed.data.user?.email).toBe(ADMIN.email);
  });

  it('restarts Postgres only for the service role and within the documented bounds', async () => {
    expect((await restartPostgres({ action: 'restart' }, null)).status).toBe(401);
    expect((await restartPostgres({ action: 'restart' }, anonKey)).status).toBe(401);
    expect((await restartPostgres({ action: 'restart', downMs: 120_001 })).status).toBe(400);
    expect((await restartPostgres({ action: 'stop' })).status).toBe(400);
  });
});
