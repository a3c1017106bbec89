import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POST } from '@/app/api/validation/samples/route';
import { db } from '@/lib/db/pool';
import { setTestEnv } from '@/test-support/ingest';
import type { Cohort } from '@/lib/rollout/config';
import { changeConfig } from '@/lib/rollout/server/config-store';
import { invalidateRolloutConfig } from '@/lib/rollout/server/server-config';
import { apiRequest, serviceRoleKey, userToken } from '@/test-support/api';
import { samplesRouteKit } from '@/test-support/samples-route';

// Review of issue 10 (the samples route and its neighbours), black-box over the route
// handlers and a real Postgres. Each test states what should hold; they fail today.

const { userIn, sample, batch, post } = samplesRouteKit();

describe('review: the probe is an observer nobody else can impersonate — or lock out', () => {
  it('a viewer who reports first under the probe’s next observer id (probe-<host>-<pid>, shown in every viewer’s discrepancy log) does not stop the probe from reporting', async () => {
    const viewer = await userIn('shadow');
    // The probe names itself `probe-${hostname}-${process.pid}` (servers/probe/probe.ts): guessable, and pids are few.
    const probeObserver = `probe-${hostname().replace(/[^A-Za-z0-9_-]/g, '').slice(0, 20)}-4242`;
    await post(batch({ observer: probeObserver }), viewer.token);
    const probe = await post(batch({ observer: probeObserver, cohort: 'probe', browser: 'node', samples: [sample({ transport: 'legacy', lane: 'baseline' })] }), await serviceRoleKey());
    // Today: 422 observer_taken — the trusted baseline is refused, every gate waits (or no longer sees a real breach).
    expect(probe.status).toBe(202);
  });
});
