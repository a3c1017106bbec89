import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POST as quarantineRoute } from '@/app/api/validation/quarantine/route';
import { POST } from '@/app/api/validation/samples/route';
import { db } from '@/lib/db/pool';
import { setTestEnv } from '@/test-support/ingest';
import type { Cohort } from '@/lib/rollout/config';
import { changeConfig } from '@/lib/rollout/server/config-store';
import { invalidateRolloutConfig } from '@/lib/rollout/server/server-config';
import { apiRequest, DEMO, userToken } from '@/test-support/api';
import { samplesRouteKit } from '@/test-support/samples-route';

// Review of issue 10 (the samples route and its neighbours), black-box over the route
// handlers and a real Postgres. Each test states what should hold; they fail today.

const { userIn, sample, batch, post } = samplesRouteKit();

describe('review: no 500 on odd or concurrent input to POST /api/validation/samples', () => {
  it('two callers’ concurrent first batches under one observer id: one is stored, the other refused with a 4xx — never a 500', async () => {
    const a = await userIn('shadow');
    const b = await userIn('shadow');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      const observer = `tab-race-${randomUUID()}`;
      const responses = await Promise.all([post(batch({ observer }), a.token), post(batch({ observer }), b.token)]);
      statuses.push(...responses.map((r) => r.status));
    }
    // Today the loser of the insert race throws a plain Error in storeSampleBatch ("observer id taken by another caller") → 500.
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
  });

  it('coverage naming the same interval twice is refused (4xx) or stored, not a 500', async () => {
    const viewer = await userIn('shadow');
    const from = Date.now() - 30_000;
    const interval = { transport: 'legacy', lane: 'primary', from, to: null };
    const response = await post(batch({ coverage: [interval, { ...interval, to: from + 1_000 }] }), viewer.token);
    // Today: "ON CONFLICT DO UPDATE command cannot affect row a second time" → 500.
    expect(response.status).toBeLessThan(500);
  });

  it('coverage a few seconds ahead of the server clock (inside the 5 s clock slack) is refused (4xx) or clamped, not a 500', async () => {
    const viewer = await userIn('shadow');
    const now = Date.now();
    const response = await post(batch({ coverage: [{ transport: 'legacy', lane: 'primary', from: now + 3_000, to: now + 4_000 }] }), viewer.token);
    // Today: `to` is clamped to the server's now, below `from` → check (to_ms >= from_ms) violated → 500.
    expect(response.status).toBeLessThan(500);
  });

  it('a discrepancy payload containing a NUL character is refused (4xx), not a 500', async () => {
    const viewer = await userIn('shadow');
    const response = await post(batch({ samples: [sample({ payload: { message: 'a\u0000b' }, peer_payload: { message: 'ab' } })] }), viewer.token);
    // Today: jsonb rejects \u0000 ("unsupported Unicode escape sequence") → 500.
    expect(response.status).toBeLessThan(500);
  });
});

describe('review: no 500 on odd input to POST /api/validation/quarantine', () => {
  it('a subject containing a NUL character is a 4xx', async () => {
    const admin = await userToken({ role: 'admin', sub: DEMO.admin.id, email: DEMO.admin.email });
    const response = await quarantineRoute(apiRequest('/api/validation/quarantine', { token: admin, body: { action: 'release', subject: 'x\u0000y' } }));
    // Today: Postgres rejects the NUL byte in a text parameter → 500.
    expect(response.status).toBeLessThan(500);
  });
});
