import { randomBytes } from 'node:crypto';
import { encryptOverrides } from 'flags';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GET as getMe } from '@/app/api/rollout/me/route';
import { db } from '@/lib/db/pool';
import { setAppEnv } from '@/test-support/env';
import { setTestEnv } from '@/test-support/ingest';
import type { MyCohort } from '@/lib/rollout/server/my-cohort';
import { apiRequest, DEMO, userToken } from '@/test-support/api';
import { startThrowawayPostgres, type ThrowawayPostgres } from '@/test-support/throwaway-postgres';

let postgres: ThrowawayPostgres;
const flagsSecret = randomBytes(32).toString('base64url');

beforeAll(async () => {
  postgres = await startThrowawayPostgres();
  setTestEnv({ databaseUrl: postgres.databaseUrl, publishUrl: 'http://127.0.0.1:9/internal/publish' });
  setAppEnv({ FLAGS_SECRET: flagsSecret });
});

afterAll(async () => {
  await db().end();
  await postgres?.stop();
});

const me = async (cookie?: string): Promise<MyCohort> => {
  const response = await getMe(apiRequest('/api/rollout/me', { token: await userToken({ sub: DEMO.viewer.id, email: DEMO.viewer.email }), headers: cookie ? { cookie } : {} }));
  expect(response.status).toBe(200);
  return (await response.json()) as MyCohort;
};

describe('GET /api/rollout/me', () => {
  it('answers the rollout’s cohort, and a Flags Explorer override for whoever holds one — so the open dashboard’s polling keeps it', async () => {
    expect((await me()).cohort).toBe('legacy');
    const overrides = await encryptOverrides({ 'transport-cohort': 'realtime' }, flagsSecret);
    expect((await me(`vercel-flag-overrides=${overrides}`)).cohort).toBe('realtime');
    // Without the cookie the rollout decides again.
    expect((await me()).cohort).toBe('legacy');
  });
});
