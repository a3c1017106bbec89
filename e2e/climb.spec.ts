import type { Page } from '@playwright/test';
import type { Stage } from '@/lib/rollout/stages';
import { DEMO, expect, signIn, test } from './fixtures';
import { dashboardView } from './support/dashboard-view';
import type { RolloutAdmin } from './support/rollout-admin';

const reviewPanel = (admin: Page) => admin.locator('section').filter({ has: admin.getByRole('heading', { name: 'Review change' }) });
const LABEL: Record<Stage, string> = { 'legacy-only': 'Legacy only', shadow: 'Shadow', '25': '25 %', '50': '50 %', '75': '75 %', '100': '100 %', decommissioned: 'Legacy off' };

/**
 * Waits until every gate of the current stage passes on the probe's real evidence: a full
 * minute of the stage analysed (≈ 75–135 s after the change at the e2e rate of 60 rows/s).
 */
async function gatesPass(rollout: RolloutAdmin): Promise<void> {
  await expect.poll(async () => (await rollout.gates()).verdict, { timeout: 240_000, intervals: [5_000] }).toBe('pass');
}

/** Proposes the next stage on the settings page, as an admin would, and saves it without forcing. */
async function advance(admin: Page, to: Stage): Promise<void> {
  await admin.getByRole('list', { name: 'Migration stages' }).getByRole('button', { name: LABEL[to], exact: true }).click();
  await reviewPanel(admin).getByLabel('Reason (goes to the audit log)').fill(`e2e climb: gates pass, on to ${to}`);
  const saved = admin.waitForResponse((response) => response.url().endsWith('/api/rollout/config') && response.request().method() === 'POST');
  await reviewPanel(admin).getByRole('button', { name: 'Save change' }).click();
  expect((await saved).status(), `advance to ${to} without forcing`).toBe(200);
  await expect(admin.getByRole('list', { name: 'Migration stages' }).locator('[aria-current="step"]')).toHaveText(LABEL[to]);
}

test.describe('the parallel run, all the way', () => {
  test('climbs legacy-only → shadow → 25 → 50 → 75 → 100 → legacy off on real data while viewers come and go, with no false rollback', async ({ page: admin, signedIn, rollout }) => {
    test.setTimeout(20 * 60_000);
    const started = Date.now();
    // (a) A dashboard is open before anything moves: legacy-only → shadow happens under it.
    const viewer = dashboardView(await signedIn('viewer'));
    await viewer.expectLiveVia('legacy');
    await viewer.markDocument();
    await signIn(admin, 'admin', '/settings/rollout');
    const viewerId = (await rollout.explain(DEMO.viewer.email)).userId;
    const opsId = (await rollout.explain(DEMO.ops.email)).userId;
    let ops: Page | null = null;

    for (const stage of ['shadow', '25', '50', '75', '100', 'decommissioned'] as const) {
      await gatesPass(rollout);
      await advance(admin, stage);
      if (stage === 'shadow') {
        await expect(viewer.cohort).toHaveText('shadow', { timeout: 10_000 });
        // (b) A realtime override switched on and off for the open tab.
        await rollout.change([{ type: 'set-override', userId: viewerId, cohort: 'realtime' }], 'e2e climb: tester on Realtime');
        await viewer.expectLiveVia('realtime');
        await expect.poll(() => viewer.delivered('realtime'), { timeout: 15_000 }).toBeGreaterThan(100);
        await rollout.change([{ type: 'remove-override', userId: viewerId }], 'e2e climb: tester back');
        await expect(viewer.cohort).toHaveText('shadow', { timeout: 10_000 });
        // (c) A fresh tab in shadow.
        ops = await signedIn('ops');
        await dashboardView(ops).expectLiveVia('legacy');
      }
      if (stage === '50') {
        await rollout.change([{ type: 'set-override', userId: opsId, cohort: 'realtime' }], 'e2e climb: ops tab on Realtime');
        if (ops) await dashboardView(ops).expectLiveVia('realtime');
      }
      if (stage === '75' && ops) {
        // (d) A Realtime tab closed in the middle of a live stream.
        await ops.close();
        ops = null;
      }
    }
    await expect(viewer.cohort).toHaveText('realtime', { timeout: 10_000 });
    await viewer.expectLiveVia('realtime');
    expect(await viewer.isSameDocument(), 'the viewer followed every stage without a reload').toBe(true);

    // Legacy off, judged against the stored rows: the gates pass there too. (The kill-switch
    // round trip at this stage is covered with the real transports in validation-gates-fault.test.ts.)
    await gatesPass(rollout);
    const { config, audit } = await rollout.overview();
    expect(config).toMatchObject({ stage: 'decommissioned', killSwitch: false });
    const climb = audit.filter((entry) => Date.parse(entry.at) >= started);
    expect(climb.filter((entry) => entry.automatic), 'no automatic rollback or pause during the climb').toEqual([]);
    expect(climb.filter((entry) => entry.reason.startsWith('FORCED')), 'every stage advanced on passing gates').toEqual([]);

    // Ordinary tab life produced no discrepancy: the browsers' evidence was compared and clean.
    const minutes = Math.ceil((Date.now() - started) / 60_000) + 1;
    const report = await rollout.report(`${minutes}m`);
    expect(report.discrepancies.filter((row) => !row.trusted)).toEqual([]);
    const browsers = (report.oversight?.subjects ?? []).filter((subject) => !subject.trusted);
    expect(browsers.find((subject) => subject.subject === viewerId)?.compared ?? 0).toBeGreaterThan(1_000);
    expect(browsers.find((subject) => subject.subject === opsId)?.compared ?? 0).toBeGreaterThan(0);
    expect(report.totals.probe.compared).toBeGreaterThan(6 * 3_000);

    // The validation page says the same, with its n.
    await admin.goto('/validation');
    await expect(admin.getByRole('heading', { name: 'Parallel run: legacy feed vs Supabase Realtime' })).toBeVisible();
    const gates = admin.getByRole('table', { name: 'Gates' });
    for (const gate of ['consistency', 'latency', 'error-rate', 'quota-headroom']) {
      await expect(gates.getByRole('row').filter({ has: admin.getByRole('cell', { name: gate, exact: true }) })).toBeVisible();
    }
    await expect(gates.getByRole('row').filter({ hasText: 'consistency' })).toContainText(/n = [1-9]/);
    await expect(admin.getByText(/^n = [1-9]\d*$/).first()).toBeVisible();
    await expect(admin.getByRole('img', { name: 'Consistency per minute' })).toBeVisible();
    await expect(admin.getByRole('table', { name: 'Evidence by source' })).toContainText('probe (service role)');
  });
});
