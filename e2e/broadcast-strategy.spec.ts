import type { Page } from '@playwright/test';
import { DEMO, expect, signIn, test } from './fixtures';
import { dashboardView } from './support/dashboard-view';
import { comparePageWithDatabase, EXACTLY_THE_DATABASE_ROWS } from './support/page-vs-database';

/** Topics the page joined over its Realtime socket, as the browser sent them (phx_join frames). */
function joinedTopics(page: Page): Set<string> {
  const topics = new Set<string>();
  page.on('websocket', (socket) => {
    socket.on('framesent', ({ payload }) => {
      if (typeof payload !== 'string' || !payload.includes('phx_join')) return;
      const frame = JSON.parse(payload) as unknown;
      const topic = Array.isArray(frame) ? frame[2] : (frame as { topic?: unknown }).topic;
      if (typeof topic === 'string') topics.add(topic);
    });
  });
  return topics;
}

test.describe('the broadcast Realtime strategy (Broadcast from Database)', () => {
  test.setTimeout(240_000);
  test('a viewer on it sees live data over private channels; switching strategy live loses and doubles nothing; an outage falls back and recovers with exactly the database rows', async ({
    page,
    rollout,
    faults,
  }) => {
    const viewer = await rollout.explain(DEMO.viewer.email);
    await rollout.change(
      [
        { type: 'set-override', userId: viewer.userId, cohort: 'realtime' },
        { type: 'set-strategy-override', userId: viewer.userId, strategy: 'broadcast' },
      ],
      'e2e: viewer on Realtime with the broadcast strategy',
    );
    const topics = joinedTopics(page);
    await signIn(page, 'viewer');
    const dashboard = dashboardView(page);
    await dashboard.expectLiveVia('realtime', 30_000);
    // Provenance: the connection line names the strategy in use.
    await expect(page.getByTestId('connection-strategy')).toHaveText('Broadcast from Database');
    await dashboard.markDocument();
    await expect.poll(() => topics.has('realtime:monitoring:cache_metrics') && topics.has('realtime:monitoring:system_events')).toBe(true);
    const delivered = await dashboard.delivered('realtime');
    await expect.poll(() => dashboard.delivered('realtime'), { timeout: 15_000 }).toBeGreaterThan(delivered + 20);
    const firstLive = (await dashboard.dataHeld()).last ?? 0;
    await expect.poll(() => comparePageWithDatabase(dashboard, rollout, firstLive), { timeout: 15_000 }).toEqual(EXACTLY_THE_DATABASE_ROWS);

    // Live switch to postgres_changes and back, without a reload.
    topics.clear();
    const beforeSwitch = (await dashboard.dataHeld()).last ?? 0;
    await rollout.change([{ type: 'remove-strategy-override', userId: viewer.userId }], 'e2e: viewer back to postgres_changes');
    await expect.poll(() => [...topics].some((topic) => topic.startsWith('realtime:switchyard-monitoring')), { timeout: 20_000 }).toBe(true);
    await dashboard.expectLiveVia('realtime', 30_000);
    await expect(page.getByTestId('connection-strategy')).toHaveText('Postgres Changes');
    const viaChanges = await dashboard.delivered('realtime');
    await expect.poll(() => dashboard.delivered('realtime'), { timeout: 15_000 }).toBeGreaterThan(viaChanges + 20);
    await expect.poll(() => comparePageWithDatabase(dashboard, rollout, beforeSwitch), { timeout: 15_000 }).toEqual(EXACTLY_THE_DATABASE_ROWS);
    topics.clear();
    const beforeReturn = (await dashboard.dataHeld()).last ?? 0;
    await rollout.change([{ type: 'set-strategy-override', userId: viewer.userId, strategy: 'broadcast' }], 'e2e: viewer on broadcast again');
    await expect.poll(() => topics.has('realtime:monitoring:cache_metrics'), { timeout: 20_000 }).toBe(true);
    await dashboard.expectLiveVia('realtime', 30_000);
    const viaBroadcast = await dashboard.delivered('realtime');
    await expect.poll(() => dashboard.delivered('realtime'), { timeout: 15_000 }).toBeGreaterThan(viaBroadcast + 20);
    await expect.poll(() => comparePageWithDatabase(dashboard, rollout, beforeReturn), { timeout: 15_000 }).toEqual(EXACTLY_THE_DATABASE_ROWS);

    // A Realtime outage on the broadcast strategy: fallback to legacy, then back.
    const beforeOutage = (await dashboard.dataHeld()).last ?? 0;
    await faults.outage(true);
    await expect(dashboard.fallbackBanner).toBeVisible({ timeout: 15_000 });
    await expect(dashboard.transport).toHaveText('Legacy WebSocket');
    await expect.poll(() => comparePageWithDatabase(dashboard, rollout, beforeOutage), { timeout: 15_000 }).toEqual(EXACTLY_THE_DATABASE_ROWS);
    await faults.outage(false);
    await dashboard.expectLiveVia('realtime', 40_000);
    await expect(dashboard.fallbackBanner).toBeHidden();
    const afterReturn = (await dashboard.dataHeld()).last ?? 0;
    const viaRealtime = await dashboard.delivered('realtime');
    await expect.poll(() => dashboard.delivered('realtime'), { timeout: 15_000 }).toBeGreaterThan(viaRealtime + 20);
    await expect.poll(() => comparePageWithDatabase(dashboard, rollout, afterReturn), { timeout: 15_000 }).toEqual(EXACTLY_THE_DATABASE_ROWS);
    expect(await dashboard.isSameDocument(), 'no reload through switches and the outage').toBe(true);
    await page.screenshot({ path: test.info().outputPath('broadcast-strategy.png'), fullPage: true });
  });
});
