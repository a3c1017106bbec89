import { DEMO, expect, signIn, test } from './fixtures';
import { dashboardView } from './support/dashboard-view';

const TRANSPORT_OF = { legacy: 'legacy', shadow: 'legacy', realtime: 'realtime' } as const;

test.describe('validating the parallel run', () => {
  test('the validation page shows the verdict, the gates and live consistency numbers', async ({ page }) => {
    // The probe samples continuously; the worker analyses a minute 15 s after it closes.
    test.setTimeout(150_000);
    await signIn(page, 'admin', '/validation');
    await expect(page.getByRole('heading', { name: 'Parallel run: legacy feed vs Supabase Realtime' })).toBeVisible();
    await expect(page.getByText('Verdict', { exact: true })).toBeVisible();
    const gates = page.getByRole('table', { name: 'Gates' });
    for (const gate of ['consistency', 'latency', 'error-rate', 'quota-headroom']) {
      await expect(gates.getByRole('row').filter({ has: page.getByRole('cell', { name: gate, exact: true }) })).toBeVisible();
    }
    // Live consistency, always with its n: appears once a minute with compared events is analysed.
    await expect(page.getByText(/^n = [1-9]\d*$/)).toBeVisible({ timeout: 130_000 });
    await expect(page.getByText(/^\d{1,3}\.\d{3} %$/).first()).toBeVisible();
    await expect(page.getByRole('img', { name: 'Consistency per minute' })).toBeVisible();
    await expect(gates.getByRole('row').filter({ hasText: 'consistency' })).toContainText(/n = [1-9]/);
  });

  test('an injected Realtime breach rolls the stage back by itself, and open dashboards follow', async ({ page: admin, signedIn, rollout, faults }) => {
    // ≥ 3,000 compared events, a closed minute, 15 s grace and a worker tick (SIMULATOR_RATE=60 in the e2e stack).
    test.setTimeout(180_000);
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
    // The gate runner sees the consistency breach and rolls back: one stage, or to legacy when severe.
    await expect(currentStage).not.toHaveText('50 %', { timeout: 150_000 });
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
