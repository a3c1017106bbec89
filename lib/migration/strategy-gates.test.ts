import { describe, expect, it } from 'vitest';
import { GET as reportRoute } from '@/app/api/validation/report/route';
import { db } from '@/lib/db/pool';
import { checkGates } from '@/lib/migration/gate-runner';
import { changeConfig } from '@/lib/rollout/server/config-store';
import { invalidateRolloutConfig } from '@/lib/rollout/server/server-config';
import { apiRequest, DEMO, userToken } from '@/test-support/api';
import { freshRun, MINUTE, probeReportsBothStrategies, recentMinutes, storeEventsIn, pipelineDatabase } from '@/test-support/validation-pipeline';
import type { ValidationReport } from '@/lib/validation/store/report';
import { analyzeClosedMinutes } from '@/lib/validation/store/window-analysis';

// Issue 13: one parallel run compares legacy, postgres_changes and broadcast side by side, and
// the gates judge the strategy being rolled out — the server side for real (samples route,
// window analysis, gates, report route), the probe's reports written by the test.

pipelineDatabase();

const consistency = async () => (await checkGates(db())).results.find((r) => r.gate === 'consistency');

async function rollOut(strategy: 'postgres_changes' | 'broadcast'): Promise<void> {
  await changeConfig(db(), { actor: { id: null, email: 'test' }, commands: [{ type: 'set-stage-strategy', stage: '50', strategy }], reason: 'test strategy' });
  invalidateRolloutConfig();
}

describe('the gates judge the strategy being rolled out', () => {
  it('a loss on broadcast fails a broadcast stage and not a postgres_changes one; the report shows the three lanes side by side', { timeout: 60_000 }, async () => {
    await freshRun([{ type: 'set-stage', stage: '50' }]);
    const [minute] = recentMinutes(1) as [number];
    const events = await storeEventsIn(minute, 3_500);
    // Broadcast loses 100 events (≈ 2.9 %); postgres_changes and the legacy feed lose nothing.
    await probeReportsBothStrategies(events, minute - 5_000, { broadcast: new Set(events.slice(0, 100).map((e) => e.eventId)) });
    expect((await analyzeClosedMinutes(db(), { now: Date.now() + 3 * MINUTE })).minutes).toBeGreaterThan(0);

    await rollOut('postgres_changes');
    expect(await consistency()).toMatchObject({ status: 'pass', evidence: { probe: { n: 3_500 } } });
    await rollOut('broadcast');
    expect(await consistency()).toMatchObject({ status: 'fail', evidence: { probe: { n: 3_500 } } });

    const admin = await userToken({ role: 'admin', sub: DEMO.admin.id, email: DEMO.admin.email });
    const response = await reportRoute(apiRequest('/api/validation/report?since=60m', { token: admin }));
    expect(response.status).toBe(200);
    const report = (await response.json()) as ValidationReport;
    expect(report.strategy).toBe('broadcast');
    const lane = (name: string) => report.lanes.find((l) => l.lane === name);
    expect(report.lanes.map((l) => [l.lane, l.rolledOut])).toEqual([
      ['legacy', false],
      ['postgres_changes', false],
      ['broadcast', true],
    ]);
    expect(lane('broadcast')?.probe).toMatchObject({ compared: 3_500, discrepancies: 100 });
    expect(lane('postgres_changes')?.probe).toMatchObject({ compared: 3_500, discrepancies: 0, consistency: 100 });
    expect(lane('legacy')?.probe).toMatchObject({ compared: 3_500, discrepancies: 0, consistency: 100 });
    expect(lane('broadcast')?.probe.deliveries).toBe(3_400);
    expect(lane('postgres_changes')?.probe.deliveries).toBe(3_500);
    // The totals and the log are the rolled-out lane's.
    expect(report.totals.probe).toMatchObject({ compared: 3_500, discrepancies: 100 });
    expect(new Set(report.discrepancies.map((d) => `${d.kind}:${d.strategy}`))).toEqual(new Set(['missing_candidate:broadcast']));
  });
});
