import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GET as reportRoute } from '@/app/api/validation/report/route';
import { db } from '@/lib/db/pool';
import { setTestEnv } from '@/test-support/ingest';
import { apiRequest, DEMO, userToken } from '@/test-support/api';
import type { ValidationReport } from '@/lib/validation/store/report';
import { freshRun, MINUTE, probeReports, recentMinutes, report, storeEventsIn, viewerIn } from '@/test-support/validation-pipeline';
import { analyzeClosedMinutes } from '@/lib/validation/store/window-analysis';
import { startThrowawayPostgres, type ThrowawayPostgres } from '@/test-support/throwaway-postgres';

// Review of issue 10: the whole server side for real — stored rows, observers reporting
// through the samples route, window analysis, gates, the gate runner, the admin routes —
// with the observers' reports written by the test instead of by sockets.

let postgres: ThrowawayPostgres;
let admin: string;

beforeAll(async () => {
  postgres = await startThrowawayPostgres();
  setTestEnv({ databaseUrl: postgres.databaseUrl, publishUrl: 'http://127.0.0.1:9/internal/publish' });
  admin = await userToken({ role: 'admin', sub: DEMO.admin.id, email: DEMO.admin.email });
});

afterAll(async () => {
  await db().end();
  await postgres?.stop();
});

async function adminReport(): Promise<ValidationReport> {
  const response = await reportRoute(apiRequest('/api/validation/report?since=60m', { token: admin }));
  expect(response.status).toBe(200);
  return (await response.json()) as ValidationReport;
}

describe('review: a user’s tabs counted once per event', () => {
  it('two tabs of one user that report different browsers are not counted twice (runbook §3)', { timeout: 60_000 }, async () => {
    await freshRun([{ type: 'set-stage', stage: '50' }]);
    const [minute] = recentMinutes(1) as [number];
    const events = await storeEventsIn(minute, 500);
    await probeReports(events, minute - 5_000);
    const user = await viewerIn('realtime');
    for (const browser of ['chrome', 'firefox']) {
      await report({
        token: user.token,
        cohort: 'realtime',
        browser,
        lanes: [
          { transport: 'realtime', lane: 'primary' },
          { transport: 'legacy', lane: 'shadow' },
        ],
        fromMs: minute - 5_000,
        deliveries: events.flatMap((event) => [
          { event, transport: 'realtime' as const, lane: 'primary' as const },
          { event, transport: 'legacy' as const, lane: 'shadow' as const },
        ]),
      });
    }
    await analyzeClosedMinutes(db(), { now: Date.now() + 3 * MINUTE });
    const mine = (await adminReport()).oversight?.subjects.find((s) => s.subject === user.sub);
    // Windows are per subject × cohort × browser and merged per subject only inside one window; the
    // gates then sum the windows, so today this user weighs 1,000 compared events for 500 (and 6 browser labels × 2 cohorts → 12×).
    expect(mine?.compared).toBe(500);
  });
});
