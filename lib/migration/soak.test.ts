import { describe, expect, it } from 'vitest';
import { db } from '@/lib/db/pool';
import { runGateTick } from '@/lib/migration/gate-runner';
import { loadConfig } from '@/lib/rollout/server/config-store';
import { invalidateRolloutConfig } from '@/lib/rollout/server/server-config';
import { freshRun, MINUTE, pipelineDatabase, probeReports, recentMinutes, storeEventsIn } from '@/test-support/validation-pipeline';
import { analyzeClosedMinutes } from '@/lib/validation/store/window-analysis';

// Review of issue 10: config.autoAdvance is documented as "advance to the next stage by
// itself once every gate passes for `soakMinutes`"; decide() checks only that the stage is
// older than soakMinutes and that the gates pass now. A stage whose probe was down (or
// locked out) for most of its soak advances on its first passing minute.

pipelineDatabase();

describe('review: auto-advance soaks on evidence, not on wall-clock time', () => {
  it('a stage 31 minutes old with a 30-minute soak but one analysed minute of evidence does not advance', { timeout: 60_000 }, async () => {
    await freshRun([{ type: 'set-stage', stage: '50' }, { type: 'set-auto-advance', autoAdvance: true, soakMinutes: 30 }]);
    await db().query("update public.rollout_config set config = jsonb_set(config, '{stageSince}', to_jsonb($1::text))", [new Date(Date.now() - 31 * MINUTE).toISOString()]);
    invalidateRolloutConfig();
    // Nothing observed for 29 minutes (the probe was down); then one clean minute.
    const [minute] = recentMinutes(1) as [number];
    await probeReports(await storeEventsIn(minute, 3_500), minute);
    expect((await analyzeClosedMinutes(db(), { now: Date.now() + 3 * MINUTE })).minutes).toBeGreaterThan(0);
    const { rows } = await db().query<{ minutes: number }>("select count(distinct minute)::int as minutes from public.validation_windows where trusted and (counts ->> 'compared')::int > 0");
    expect(rows[0]?.minutes).toBe(1);

    const tick = await runGateTick(db());
    expect(tick.verdict).toBe('pass');
    // Today: { kind: 'advance', to: '75', reason: 'automatic advance after 30 min with every gate passing' }.
    expect(tick.action.kind).not.toBe('advance');
    expect((await loadConfig(db())).stage).toBe('50');
  });
});
