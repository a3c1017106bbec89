import type { Page } from '@playwright/test';
import { DEMO, expect, signIn, test } from './fixtures';
import { dashboardView } from './support/dashboard-view';

/** The pending change, before it is saved. */
const reviewPanel = (admin: Page) => admin.locator('section').filter({ has: admin.getByRole('heading', { name: 'Review change' }) });

/** Saves the change pending in the review panel and resolves when the server accepted it. */
async function confirmChange(admin: Page, reason: string, button: 'Save change' | 'Confirm'): Promise<void> {
  await reviewPanel(admin).getByLabel('Reason (goes to the audit log)').fill(reason);
  const saved = admin.waitForResponse((response) => response.url().endsWith('/api/rollout/config') && response.request().method() === 'POST');
  await reviewPanel(admin).getByRole('button', { name: button }).click();
  expect((await saved).status()).toBe(200);
}

test.describe('rolling the dashboard out to Realtime', () => {
  test('an admin moves a watching viewer to Realtime, and the kill switch sends them back to legacy within 5 s', async ({ page: admin, signedIn, rollout }) => {
    void rollout; // legacy-only, no overrides, kill switch off
    const viewer = dashboardView(await signedIn('viewer'));
    await expect(viewer.cohort).toHaveText('legacy');
    await viewer.expectLiveVia('legacy');
    await viewer.markDocument();

    await signIn(admin, 'admin', '/settings/rollout');
    await expect(admin.getByRole('heading', { name: 'Rollout: legacy feed → Supabase Realtime' })).toBeVisible();
    await admin.getByLabel('Override user').fill(DEMO.viewer.email);
    await admin.getByLabel('Override cohort').selectOption('realtime');
    await admin.getByRole('button', { name: 'Add override' }).click();
    await expect(reviewPanel(admin)).toContainText(/override [\w-]+ → realtime/);
    const blastRadius = reviewPanel(admin).getByLabel('Blast radius');
    await expect(blastRadius).toContainText(/1 of \d+ known users change cohort; 1 switch the transport/);
    await expect(blastRadius).toContainText(`${DEMO.viewer.email}: legacy → realtime`);
    await confirmChange(admin, 'e2e: try Realtime on the viewer', 'Save change');

    // The viewer's open dashboard follows within 5 s, without a reload.
    await expect(viewer.cohort).toHaveText('realtime', { timeout: 5_000 });
    await viewer.expectLiveVia('realtime');
    expect(await viewer.isSameDocument(), 'the dashboard switched without a page reload').toBe(true);
    const viaRealtime = await viewer.delivered('realtime');
    await expect.poll(() => viewer.delivered('realtime'), { timeout: 10_000 }).toBeGreaterThan(viaRealtime);

    await admin.getByRole('button', { name: 'Turn kill switch on' }).click();
    await expect(reviewPanel(admin)).toContainText('KILL SWITCH ON (everyone to legacy)');
    await confirmChange(admin, 'e2e: drill — everyone back to legacy', 'Confirm');
    await expect(viewer.cohort).toHaveText('legacy', { timeout: 5_000 });
    await expect(viewer.transport).toHaveText('Legacy WebSocket', { timeout: 5_000 });
    await expect(viewer.page.getByText('Kill switch is on: every dashboard uses the legacy feed.')).toBeVisible();
    await viewer.expectLiveVia('legacy');
    expect(await viewer.isSameDocument(), 'the dashboard switched back without a page reload').toBe(true);

    // Both changes are in the audit log, with who and why.
    const audit = admin.getByRole('table').filter({ hasText: 'KILL SWITCH ON' });
    await expect(audit.getByRole('row').filter({ hasText: 'KILL SWITCH ON' }).first()).toContainText(DEMO.admin.email);
    await expect(audit.getByRole('row').filter({ hasText: 'e2e: try Realtime on the viewer' }).first()).toContainText('→ realtime');
    await expect(admin.getByText('ON — everyone on legacy')).toBeVisible();
  });

  test('a viewer gets 403 from the rollout settings page and its API', async ({ page }) => {
    await signIn(page, 'viewer');
    const response = await page.goto('/settings/rollout');
    expect(response?.status()).toBe(403);
    await expect(page.getByRole('heading', { name: 'Admins only' })).toBeVisible();
    expect((await page.request.get('/api/rollout/config')).status()).toBe(403);
    const save = await page.request.post('/api/rollout/config', { data: { commands: [{ type: 'set-kill-switch', killSwitch: true }], reason: 'not allowed', expectedVersion: 1 } });
    expect(save.status()).toBe(403);
  });

  test('an anonymous visitor is sent to sign in, and the API answers 401', async ({ page }) => {
    await page.goto('/settings/rollout');
    await expect(page).toHaveURL(/\/login\?next=%2Fsettings%2Frollout$/);
    await expect(page.getByRole('heading', { name: 'Sign in to Switchyard' })).toBeVisible();
    expect((await page.request.get('/api/rollout/config')).status()).toBe(401);
  });
});
