import { expect, type Locator, type Page } from '@playwright/test';

export type TransportName = 'legacy' | 'realtime';
const TRANSPORT_LABEL: Record<TransportName, string> = { legacy: 'Legacy WebSocket', realtime: 'Supabase Realtime' };

export type StreamName = 'cache_metrics' | 'system_events';
const STREAM_LABEL: Record<StreamName, string> = { cache_metrics: 'Cache metrics', system_events: 'System events' };

/** One stream's row of the dashboard's "Data held" table. */
export interface HeldIds {
  rows: number;
  first: number | null;
  last: number | null;
  /** Every id between first and last the page says it lacks, ascending. */
  missing: number[];
  /** Ids the page says it holds more than once, one entry per extra copy. */
  repeated: number[];
}

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
  /** Opens "Check continuity" (or presses "Recheck") and reads the stream's row of the "Data held" table. */
  dataHeld(stream?: StreamName): Promise<HeldIds>;
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
    async dataHeld(stream = 'cache_metrics') {
      const toggle = page.getByRole('button', { name: 'Check continuity' });
      const panel = page.getByRole('region', { name: 'Data held' });
      if ((await toggle.getAttribute('aria-expanded')) === 'true') await panel.getByRole('button', { name: 'Recheck' }).click();
      else await toggle.click();
      const table = panel.getByRole('table', { name: 'Ids held per stream' });
      const headers = await table.getByRole('columnheader').allInnerTexts();
      const row = table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: STREAM_LABEL[stream], exact: true }) });
      // The first column is the row header (the stream); the cells follow the remaining headers.
      const values = await row.getByRole('cell').allInnerTexts();
      const cell = (header: string) => {
        const value = values[headers.indexOf(header) - 1];
        if (value === undefined) throw new Error(`e2e: no "${header}" in the Data held table (${headers.join(' | ')})`);
        return value.trim();
      };
      return readHeld(cell('Rows held'), cell('Ids'), cell('Missing ids'), cell('Repeated ids'));
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

/** Reads the cells as a person would, and refuses a row that does not add up or lists only part of its ids. */
function readHeld(rows: string, ids: string, missing: string, repeated: string): HeldIds {
  const list = (text: string) => {
    if (/ more /.test(text)) throw new Error(`e2e: the Data held table lists only part of the ids: ${text}`);
    return text === 'none' ? [] : text.split(', ');
  };
  const [first = null, last = first] = ids === 'none' ? [] : ids.split('–').map(Number);
  const held: HeldIds = {
    rows: Number(rows.replace(/\D/g, '')),
    first,
    last,
    missing: list(missing).flatMap(expandRun),
    repeated: list(repeated).flatMap((item) => {
      const match = /^(\d+) \((\d+)×\)$/.exec(item);
      if (!match) throw new Error(`e2e: cannot read the repeated id "${item}"`);
      return Array.from({ length: Number(match[2]) - 1 }, () => Number(match[1]));
    }),
  };
  const span = held.first === null || held.last === null ? 0 : held.last - held.first + 1;
  if (held.rows !== span - held.missing.length + held.repeated.length) throw new Error(`e2e: the Data held row does not add up: ${JSON.stringify({ rows, ids, missing, repeated })}`);
  return held;
}

function expandRun(run: string): number[] {
  const [start, end = start] = run.split('–').map(Number) as [number, number?];
  return Array.from({ length: end - start + 1 }, (_, index) => start + index);
}
