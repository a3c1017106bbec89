import { expect, test } from './fixtures';
import { comparePageWithDatabase, EXACTLY_THE_DATABASE_ROWS } from './support/page-vs-database';

// Runs in the `realtime` project only: the story is about losing the Realtime server.
test.describe('a Realtime outage under an open dashboard', () => {
  test('falls back to the legacy feed, keeps the data flowing, returns to Realtime and ends with exactly the database rows', async ({
    viewerDashboard: dashboard,
    projectTransport,
    faults,
    rollout,
  }) => {
    expect(projectTransport).toBe('realtime');
    await dashboard.expectLiveVia('realtime');
    await dashboard.markDocument();
    const lastBeforeOutage = (await dashboard.dataHeld()).last ?? 0;

    await faults.outage(true);
    await expect(dashboard.fallbackBanner).toBeVisible({ timeout: 10_000 });
    await expect(dashboard.fallbackBanner).toContainText('Supabase Realtime is unavailable');
    await expect(dashboard.state).toHaveText('Fallback feed');
    await expect(dashboard.transport).toHaveText('Legacy WebSocket');
    const viaLegacy = await dashboard.delivered('legacy');
    await expect.poll(() => dashboard.delivered('legacy'), { timeout: 10_000 }).toBeGreaterThan(viaLegacy + 20);
    // Across the switch to legacy: nothing lost, nothing twice.
    await expect.poll(() => comparePageWithDatabase(dashboard, rollout, lastBeforeOutage), { timeout: 10_000 }).toEqual(EXACTLY_THE_DATABASE_ROWS);
    await dashboard.page.screenshot({ path: test.info().outputPath('during-outage.png'), fullPage: true });

    await faults.outage(false);
    await dashboard.expectLiveVia('realtime', 30_000);
    await expect(dashboard.fallbackBanner).toBeHidden();
    const lastAfterReturn = (await dashboard.dataHeld()).last ?? 0;
    const viaRealtime = await dashboard.delivered('realtime');
    await expect.poll(() => dashboard.delivered('realtime'), { timeout: 10_000 }).toBeGreaterThan(viaRealtime + 20);
    // Across the return to Realtime: the page holds exactly the database's rows.
    await expect.poll(() => comparePageWithDatabase(dashboard, rollout, lastAfterReturn), { timeout: 10_000 }).toEqual(EXACTLY_THE_DATABASE_ROWS);
    expect(await dashboard.isSameDocument(), 'the dashboard switched transports without a reload').toBe(true);
  });
});
