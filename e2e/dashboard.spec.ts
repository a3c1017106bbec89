import { expect, test } from './fixtures';
import { comparePageWithDatabase, EXACTLY_THE_DATABASE_ROWS } from './support/page-vs-database';

// Runs in the `legacy` and `realtime` projects: the viewer's cohort is overridden to the
// project's transport through the admin API before the story starts.
test.describe('the live dashboard', () => {
  test('the viewer watches live cache metrics and system events on the cohort transport', async ({ viewerDashboard: dashboard, projectTransport, rollout }) => {
    await expect(dashboard.page.getByRole('heading', { name: 'Cache monitoring' })).toBeVisible();
    await expect(dashboard.cohort).toHaveText(projectTransport);
    await dashboard.expectLiveVia(projectTransport);

    // Live values change: the transport keeps delivering and the KPI tiles move.
    const delivered = await dashboard.delivered(projectTransport);
    await expect.poll(() => dashboard.delivered(projectTransport), { timeout: 10_000 }).toBeGreaterThan(delivered + 20);
    const kpis = dashboard.page.getByLabel('sessions KPIs');
    await expect(kpis).toContainText('Hit ratio');
    const firstReading = await kpis.innerText();
    await expect.poll(() => kpis.innerText(), { timeout: 10_000 }).not.toBe(firstReading);
    await expect(dashboard.page.getByRole('img', { name: 'sessions operations per second' })).toBeVisible();

    // The events table shows rows (history first, then live).
    await expect(dashboard.eventsTable.getByRole('row').nth(1)).toBeVisible();
    await expect(dashboard.page.getByRole('heading', { name: /^System events \(\d+\)$/ })).toBeVisible();

    // What the page holds is exactly the database's rows: no duplicates, no holes.
    const newest = (await dashboard.dataHeld()).last ?? 0;
    await expect.poll(() => comparePageWithDatabase(dashboard, rollout, newest), { timeout: 15_000 }).toEqual(EXACTLY_THE_DATABASE_ROWS);
  });
});
