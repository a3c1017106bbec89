import { expect, type Locator, type Page } from '@playwright/test';

export type TransportName = 'legacy' | 'realtime';
const TRANSPORT_LABEL: Record<TransportName, string> = { legacy: 'Legacy WebSocket', realtime: 'Supabase Realtime' };

/** What a person reads off an open dashboard: connection, cohort, counters, rows. */
export interface DashboardView {
  page: Page;
  connection: Locator;
  state: Locator;
  transport: Locator;
  cohort: Locator;
  eventsTable: Locator;
  fallbackBanner: Locator;
  /** Waits until the connection reads "Live via <transport>". */
  expectLiveVia(transport: TransportName, timeout?: number): Promise<void>;
  /** Events delivered first by this path, from the indicator's "legacy N · realtime N · history N". */
  delivered(path: TransportName | 'history'): Promise<number>;
  /** The cache_metrics ids the page holds, ascending, repeats kept (from `data-metric-ids`). */
  metricIds(): Promise<number[]>;
  /** Marks the document, so a later check can tell that it was never reloaded. */
  markDocument(): Promise<void>;
  isSameDocument(): Promise<boolean>;
}

export function dashboardView(page: Page): DashboardView {
  const connection = page.getByRole('status', { name: 'Connection' });
  const view: DashboardView = {
    page,
    connection,
    state: connection.getByTestId('connection-state'),
    transport: connection.getByTestId('connection-transport'),
    cohort: connection.getByTestId('cohort'),
    eventsTable: page.getByRole('table', { name: 'System events' }),
    fallbackBanner: page.getByRole('alert').filter({ hasText: 'Fallback:' }),
    async expectLiveVia(transport, timeout = 15_000) {
      await expect(view.transport).toHaveText(TRANSPORT_LABEL[transport], { timeout });
      await expect(view.state).toHaveText('Live', { timeout });
    },
    async delivered(path) {
      const text = await connection.getByTitle('Events by the path that delivered them first').innerText();
      const match = new RegExp(`${path} (\\d+)`).exec(text);
      if (!match) throw new Error(`e2e: no "${path} <n>" in the connection indicator: ${text}`);
      return Number(match[1]);
    },
    async metricIds() {
      const runs = (await page.locator('[data-metric-ids]').getAttribute('data-metric-ids')) ?? '';
      return runs === '' ? [] : runs.split(',').flatMap(expandRun);
    },
    async markDocument() {
      await page.evaluate(() => {
        (window as unknown as { e2eDocument?: boolean }).e2eDocument = true;
      });
    },
    isSameDocument: () => page.evaluate(() => (window as unknown as { e2eDocument?: boolean }).e2eDocument === true),
  };
  return view;
}

function expandRun(run: string): number[] {
  const [start, end = start] = run.split('-').map(Number) as [number, number?];
  return Array.from({ length: end - start + 1 }, (_, index) => start + index);
}
