import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GET as getConfig, POST as postConfig } from '@/app/api/rollout/config/route';
import { db } from '@/lib/db/pool';
import { setTestEnv } from '@/test-support/ingest';
import type { RolloutConfig } from '@/lib/rollout/config';
import { apiRequest, DEMO, errorOf, userToken } from '@/test-support/api';
import { startThrowawayPostgres, type ThrowawayPostgres } from '@/test-support/throwaway-postgres';

// Review of issue 10, "every change that puts more users on Realtime is gated": an admin's
// ordinary edit of a long legacy-pinning segment. exposureIncrease() only synthesizes the
// first 21 email domains / segment labels and the first 1,000 user ids of each segment, so
// users behind those caps who have not signed in yet are invisible to the gate.

let postgres: ThrowawayPostgres;
let admin: string;

beforeAll(async () => {
  postgres = await startThrowawayPostgres();
  setTestEnv({ databaseUrl: postgres.databaseUrl, publishUrl: 'http://127.0.0.1:9/internal/publish' });
  admin = await userToken({ role: 'admin', sub: DEMO.admin.id, email: DEMO.admin.email });
});

beforeEach(async () => {
  await db().query('truncate public.rollout_config, public.rollout_audit, public.validation_windows, public.validation_errors');
});

afterAll(async () => {
  await db().end();
  await postgres?.stop();
});

async function version(): Promise<number> {
  const response = await getConfig(apiRequest('/api/rollout/config', { token: admin }));
  return ((await response.json()) as { config: RolloutConfig }).config.version;
}

async function change(commands: unknown[], force = false): Promise<Response> {
  return postConfig(apiRequest('/api/rollout/config', { token: admin, body: { commands, reason: 'review', expectedVersion: await version(), ...(force ? { force: true } : {}) } }));
}

const pinned = (rule: Record<string, unknown>) => ({ type: 'upsert-segment', segment: { id: 'enterprise', name: 'Enterprise stays on legacy', cohort: 'legacy', rule } });

describe('review: an edit that un-pins users from legacy is gated however long the segment is', () => {
  it('taking the 30th email domain out of a legacy-pinning segment at stage 50 is refused while the gates wait', async () => {
    expect((await change([{ type: 'set-stage', stage: '50' }], true)).status).toBe(200);
    const domains = Array.from({ length: 30 }, (_, i) => `customer-${String(i + 1).padStart(2, '0')}.example`);
    expect((await change([pinned({ emailDomains: domains })])).status).toBe(200);
    // Control: taking out the first domain is gated today.
    expect(await errorOf(await change([pinned({ emailDomains: domains.slice(1) })]))).toMatchObject({ status: 409, code: 'gate_failed' });
    // Every user of customer-30.example now falls through to the 50 % split: half of them onto Realtime.
    const response = await change([pinned({ emailDomains: domains.slice(0, 29) })]);
    // Today: 200, no gate check, no FORCED in the audit.
    expect(await errorOf(response)).toMatchObject({ status: 409, code: 'gate_failed' });
  });

  it('taking 500 not-yet-seen users (ids 1,001–1,500) out of a legacy-pinning segment at stage 50 is refused while the gates wait', async () => {
    expect((await change([{ type: 'set-stage', stage: '50' }], true)).status).toBe(200);
    const ids = Array.from({ length: 1_500 }, (_, i) => `customer-user-${i + 1}`);
    expect((await change([pinned({ userIds: ids })])).status).toBe(200);
    // Control: taking out ids 1–500 is gated today.
    expect(await errorOf(await change([pinned({ userIds: ids.slice(500) })]))).toMatchObject({ status: 409, code: 'gate_failed' });
    const response = await change([pinned({ userIds: ids.slice(0, 1_000) })]);
    // Today: 200 — ~250 users onto Realtime without a gate (an override batch of 6 is gated).
    expect(await errorOf(response)).toMatchObject({ status: 409, code: 'gate_failed' });
  });
});
