import { describe, expect, it } from 'vitest';
import { db } from '@/lib/db/pool';
import { runGateTick } from '@/lib/migration/gate-runner';
import { loadConfig } from '@/lib/rollout/server/config-store';
import { freshRun, MINUTE, pipelineDatabase, probeReports, recentMinutes, storeEventsIn } from '@/test-support/validation-pipeline';
import { analyzeClosedMinutes } from '@/lib/validation/store/window-analysis';

// Review of issue 10: the whole server side for real — stored rows, observers reporting
// through the samples route, window analysis, gates, the gate runner, the admin routes —
// with the observers' reports written by the test instead of by sockets.

pipelineDatabase();

const analyseOneMinute = () => analyzeClosedMinutes(db(), { now: Date.now() + 3 * MINUTE, maxMinutes: 1 });

describe('review: a breach must persist before the runner acts', () => {
  it('one failing minute followed by a clean one does not roll back (the streak counts re-evaluations of the same cumulative window)', { timeout: 60_000 }, async () => {
    await freshRun([{ type: 'set-stage', stage: '50' }]);
    const [bad, clean] = recentMinutes(2) as [number, number];
    const badEvents = await storeEventsIn(bad, 3_500);
    const cleanEvents = await storeEventsIn(clean, 3_500);
    // Realtime loses 200 events in the first minute only; the next minute it delivers everything.
    const dropped = new Set(badEvents.slice(0, 200).map((e) => e.eventId));
    await probeReports([...badEvents, ...cleanEvents], bad, dropped);

    expect((await analyseOneMinute()).minutes).toBe(1);
    const first = await runGateTick(db());
    expect(first.results.find((r) => r.gate === 'consistency')?.status).toBe('fail');
    expect(first.action.kind).toBe('none');

    expect((await analyseOneMinute()).minutes).toBe(1);
    const second = await runGateTick(db());
    // The second measurement's own minute is clean (3,500 of 3,500 delivered)…
    const { rows } = await db().query<{ compared: number; missing: number }>(
      "select (counts ->> 'compared')::int as compared, (counts ->> 'missingCandidate')::int as missing from public.validation_windows where trusted and minute = $1",
      [new Date(clean).toISOString()],
    );
    expect(rows).toEqual([{ compared: 3_500, missing: 0 }]);
    // …yet today the window since the stage began still holds the first minute's 200, so it "fails again" and the
    // runner rolls 50 → legacy-only ("severe", persisted over 2 analysed minutes).
    expect(second.action.kind).not.toBe('rollback');
    expect((await loadConfig(db())).stage).toBe('50');
  });
});
