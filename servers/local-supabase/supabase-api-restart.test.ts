import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../lib/testing/wait-for.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../testing/throwaway-postgres.js';
import { ADMIN, officialClient, VIEWER } from './auth/testing/auth-stack.js';
import { signApiKey } from './secrets.js';
import { startSupabaseApi } from './supabase-api.js';

type RunningApi = Awaited<ReturnType<typeof startSupabaseApi>>;

const jwtSecret = 'restart-test-jwt-secret-with-32-characters';
let postgres: ThrowawayPostgres;
let api: RunningApi;
let anonKey: string;
const logs: string[] = [];

beforeAll(async () => {
  postgres = await startThrowawayPostgres();
  anonKey = await signApiKey(jwtSecret, 'anon');
  const secrets = {
    jwtSecret,
    anonKey,
    serviceRoleKey: await signApiKey(jwtSecret, 'service_role'),
    dbPassword: 'unused-by-the-api-0000',
    ingestApiKey: 'unused-by-the-api-unused-by-the-api-0000',
    legacyPublishKey: 'unused-by-the-api-unused-by-the-api-0000',
    rolloutCookieSecret: 'unused-by-the-api-unused-by-the-api-0000',
    flagsSecret: 'unused-by-the-api-unused-by-the-api-0000',
  };
  api = await startSupabaseApi({ port: 0, databaseUrl: postgres.databaseUrl, secrets, onLog: (line) => logs.push(line) });
});

afterAll(async () => {
  await api?.close();
  await postgres?.stop();
});

async function signIn(credentials: { email: string; password: string }) {
  return officialClient(api.url, anonKey).auth.signInWithPassword(credentials);
}

describe('the local Supabase API across a Postgres restart', () => {
  it('keeps running while Postgres is down and signs users in again once it is back', async () => {
    // Warm the Auth pool so idle connections exist when Postgres goes away.
    const before = await Promise.all([signIn(VIEWER), signIn(ADMIN), signIn(VIEWER)]);
    expect(before.map((result) => result.error)).toEqual([null, null, null]);

    await postgres.restart({ downMs: 2_000 });

    const after = await waitFor(async () => {
      const result = await signIn(VIEWER);
      return result.error ? undefined : result;
    }, 'a sign-in after the restart', 30_000, 200);
    expect(after.data.session?.access_token).toEqual(expect.any(String));
    const refreshed = await officialClient(api.url, anonKey).auth.refreshSession({ refresh_token: before[1].data.session!.refresh_token });
    expect(refreshed.error).toBeNull();
    expect(refreshed.data.user?.email).toBe(ADMIN.email);
  });
});
