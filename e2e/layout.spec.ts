import type { Page, TestInfo } from '@playwright/test';
import { expect, signIn, test } from './fixtures';

const PAGES = [
  { path: '/', name: 'dashboard', heading: 'Cache monitoring' },
  { path: '/validation', name: 'validation', heading: 'Parallel run: legacy feed vs Supabase Realtime' },
  { path: '/settings/rollout', name: 'settings', heading: 'Rollout: legacy feed → Supabase Realtime' },
] as const;

/** How far the page lays out past the viewport's width (0: no horizontal scrolling). */
const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

/** A full-page screenshot kept as a file in the test's output dir and attached to the report. */
async function shoot(page: Page, testInfo: TestInfo, name: string) {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

// The three pages at desktop and phone width, light and dark: kept as report artifacts, and
// at 390 px nothing may lay out wider than the screen.
test.describe('layout at 1440 px and 390 px', () => {
  test('no page scrolls sideways on a phone; screenshots of each page in both themes', async ({ page, rollout }, testInfo) => {
    test.setTimeout(120_000);
    await rollout.reset();
    await signIn(page, 'admin');
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.evaluate(() => localStorage.removeItem('theme'));
      for (const width of [1440, 390]) {
        await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
        for (const target of PAGES) {
          await page.goto(target.path);
          await expect(page.getByRole('heading', { name: target.heading })).toBeVisible();
          // The report's widest part: the three lanes side by side (it scrolls inside its card, never the page).
          if (target.name === 'validation') await expect(page.getByRole('table', { name: 'Lanes side by side' })).toBeVisible();
          await expect(page.locator('html')).toHaveClass(scheme === 'dark' ? /dark/ : /^(?!.*dark)/);
          if (width === 390) {
            expect(await overflow(page), `${target.path} at 390 px lays out wider than the screen`).toBeLessThanOrEqual(0);
            await expect(page.getByRole('button', { name: 'Sign out' })).toBeInViewport();
          }
          await shoot(page, testInfo, `${target.name}-${width}-${scheme}`);
        }
      }
    }
  });

  test('on a phone, tapping the kill switch brings its Review / Confirm panel into view', async ({ page, rollout }) => {
    await rollout.reset();
    await page.setViewportSize({ width: 390, height: 844 });
    await signIn(page, 'admin', '/settings/rollout');
    await page.getByRole('button', { name: 'Turn kill switch on' }).click();
    const review = page.locator('section').filter({ has: page.getByRole('heading', { name: 'Review change' }) });
    await expect(review.getByRole('button', { name: 'Confirm' })).toBeInViewport();
    expect(await overflow(page)).toBeLessThanOrEqual(0);
  });

  test('with the kill switch on, the headline says 0 % and the stage is held', async ({ page, rollout }) => {
    await rollout.reset();
    await rollout.change([{ type: 'set-stage', stage: '100' }], 'e2e: stage under the kill switch', { force: true });
    await rollout.change([{ type: 'set-kill-switch', killSwitch: true }], 'e2e: kill switch');
    await signIn(page, 'admin', '/settings/rollout');
    await expect(page.getByTestId('realtime-share')).toHaveText('0 %');
    await expect(page.getByRole('status').filter({ hasText: 'Kill switch on: everyone is on the legacy feed' })).toBeVisible();
    await expect(page.getByRole('list', { name: 'Migration stages' }).locator('[aria-current="step"]')).toHaveText('100 % (held by the kill switch)');
    // One button per rollback target.
    await expect(page.getByRole('button', { name: /^Roll back to/ })).toHaveText(['Roll back to 75 %', 'Roll back to legacy only']);
    // The audit log names the change before → after.
    await expect(page.getByRole('table', { name: 'Audit log' }).getByRole('list', { name: 'Before → after' }).first()).toContainText('killSwitch: false → true');
    await rollout.reset();
  });
});
