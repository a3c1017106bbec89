import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POST as quarantineRoute } from '@/app/api/validation/quarantine/route';
import { GET as reportRoute } from '@/app/api/validation/report/route';
import { db } from '@/lib/db/pool';
import { setTestEnv } from '@/test-support/ingest';
import { runGateTick } from '@/lib/migration/gate-runner';
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

describe('review: quarantine release', () => {
  it('a user an admin released is not quarantined again by the same evidence on the next tick (runbook §3)', { timeout: 60_000 }, async () => {
    await freshRun([{ type: 'set-stage', stage: '50' }]);
    const [minute] = recentMinutes(1) as [number];
    const events = await storeEventsIn(minute, 1_000);
    await probeReports(events, minute - 5_000);
    const liar = await viewerIn('realtime');
    await report({
      token: liar.token,
      cohort: 'realtime',
      lanes: [
        { transport: 'realtime', lane: 'primary' },
        { transport: 'legacy', lane: 'shadow' },
      ],
      fromMs: minute - 5_000,
      deliveries: events.slice(0, 300).flatMap((event) => [
        { event, transport: 'realtime' as const, lane: 'primary' as const, digest: 'deadbeefdeadbeef' },
        { event, transport: 'legacy' as const, lane: 'shadow' as const, digest: 'deadbeefdeadbeef' },
      ]),
    });
    await analyzeClosedMinutes(db(), { now: Date.now() + 3 * MINUTE });
    await runGateTick(db());
    expect((await adminReport()).oversight?.quarantine.map((q) => q.subject)).toEqual([liar.sub]);

    const release = await quarantineRoute(apiRequest('/api/validation/quarantine', { token: admin, body: { action: 'release', subject: liar.sub } }));
    expect(release.status).toBe(200);
    expect((await adminReport()).oversight?.quarantine).toEqual([]);

    // Nothing new was reported since the release. Today the tick finds the same old evidence far out of line and
    // re-quarantines at once (runGateTick's upsert only re-arms released rows), so "Release" undoes nothing.
    await runGateTick(db());
    const after = await adminReport();
    expect(after.oversight?.quarantine).toEqual([]);
    expect(after.oversight?.subjects.find((s) => s.subject === liar.sub)?.treatment).not.toBe('quarantined');
  });
});
