import { DEMO, expect, signIn, test } from './fixtures';
import { FAILURE_LIMIT } from '@/lib/validation/engine/gate-policy';
import { dashboardView } from './support/dashboard-view';

const TRANSPORT_OF = { legacy: 'legacy', shadow: 'legacy', realtime: 'realtime' } as const;

test.describe('validating the parallel run', () => {
  test('an injected Realtime breach rolls the stage back by itself, and open dashboards follow', async ({ page: admin, signedIn, rollout, faults }) => {
    // The first full analysis window of the stage, ≥ 3,000 compared events, 15 s grace and a worker tick
    // (60 rows/s, 20-s windows in the e2e stack) — and the breach must persist FAILURE_LIMIT analysed windows.
    test.setTimeout(360_000);
    const viewer = dashboardView(await signedIn('viewer'));
    await viewer.expectLiveVia('legacy');
    await viewer.markDocument();

    await rollout.change([{ type: 'set-stage', stage: '50' }], 'e2e: breach drill at 50 %', { force: true });
    const atFifty = await rollout.explain(DEMO.viewer.email);
    await expect(viewer.cohort).toHaveText(atFifty.cohort, { timeout: 5_000 });
    await viewer.expectLiveVia(TRANSPORT_OF[atFifty.cohort]);

    await signIn(admin, 'admin', '/settings/rollout');
    const currentStage = admin.getByRole('list', { name: 'Migration stages' }).locator('[aria-current="step"]');
    await expect(currentStage).toHaveText('50 %');

    await faults.dropPostgresChanges(0.05);
    // The gate runner sees the consistency breach persist and rolls back: one stage, or to legacy when severe.
    await expect(admin.getByLabel('Gate runner')).toContainText(`breach 1 of ${FAILURE_LIMIT}`, { timeout: 240_000 });
    await expect(currentStage).toHaveText('50 %');
    await expect(currentStage).not.toHaveText('50 %', { timeout: 120_000 });
    await faults.dropPostgresChanges(0);
    const { config, audit } = await rollout.overview();
    expect(['25', 'legacy-only']).toContain(config.stage);
    const rollback = audit.find((entry) => entry.automatic);
    expect(rollback?.action).toBe(`ROLLBACK to ${config.stage}`);
    // Caused by the injected drops (other gates may be breached too, and are listed beside it).
    expect(rollback?.reason).toMatch(/^automatic rollback: .*consistency ≥ \d/);
    await expect(currentStage).toHaveText(config.stage === '25' ? '25 %' : 'Legacy only');
    const automatic = admin.getByRole('row').filter({ hasText: `ROLLBACK to ${config.stage}` }).first();
    await expect(automatic).toContainText('automatic');
    await expect(automatic).toContainText(/automatic rollback: .*consistency/);

    // The viewer's open dashboard follows the rolled-back stage without a reload.
    const after = await rollout.explain(DEMO.viewer.email);
    await expect(viewer.cohort).toHaveText(after.cohort, { timeout: 5_000 });
    await viewer.expectLiveVia(TRANSPORT_OF[after.cohort]);
    expect(await viewer.isSameDocument(), 'the dashboard followed without a page reload').toBe(true);
  });
});
