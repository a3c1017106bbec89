import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium, type Page } from '@playwright/test';
import { round, type BenchModule, type BenchRow } from './harness.js';
import { sleep } from './support/clock.js';
import { startDevStack } from './support/dev-stack-process.js';
import { setCohortOverride } from './support/viewer-cohort.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SIMULATOR_RATE = 100;
const MEASURE_SECONDS = 10;
const CHROMIUM = process.env.PLAYWRIGHT_CHROMIUM_EXECUTABLE ?? '/usr/bin/chromium';
const VIEWER = { email: 'viewer@switchyard.local', password: 'switchyard-viewer' };
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/**
 * The dashboard in a real browser: first-load JS of `/` (the `<script src>` chunks of the
 * signed-in page, gzipped as served from `.next/static`) and renderer main-thread time per
 * second of wall time while the simulator pushes ~100 events/s (CDP `Performance.getMetrics`
 * deltas over 10 s), on the legacy transport and then, on the same page, on Realtime (the viewer's
 * cohort forced by an admin override). Runs the production build (`npm run build` only when `.next` has none,
 * so a build another process is serving is not replaced) under `tools/dev.ts --next start`.
 */
export const dashboardBench: BenchModule = {
  id: 'dashboard',
  title: 'Dashboard: first-load JS and main-thread time',
  async run(): Promise<BenchRow[]> {
    const load = round(loadavg()[0] ?? 0, 1);
    const buildId = path.join(ROOT, '.next/BUILD_ID');
    if (!existsSync(buildId)) {
      const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
      if (build.status !== 0) throw new Error(`bench: npm run build exited with ${build.status}`);
    }
    const builtAt = statSync(buildId).mtime.toISOString();
    const dataDir = path.join(ROOT, '.local/bench-dashboard');
    const stack = await startDevStack({ root: ROOT, dataDir, simulatorRate: SIMULATOR_RATE });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const context = await browser.newContext({ baseURL: stack.appUrl, viewport: { width: 1440, height: 900 } });
      const page = await context.newPage();
      await setCohortOverride(page.request, dataDir, VIEWER.email, 'legacy');
      await signIn(page);
      await waitLiveVia(page, 'Legacy WebSocket');
      const js = await firstLoadJs(page);
      const rows: BenchRow[] = [
        {
          table: 'Dashboard first-load JS (route /)',
          name: `${js.files} script chunks in the signed-in HTML`,
          metrics: { 'gzip KB': round(js.gzipBytes / 1024, 1), 'raw KB': round(js.rawBytes / 1024, 1) },
          note: `largest gzip KB: ${js.largest}; production build of ${builtAt}, gzip level 6 of the .next/static files`,
        },
      ];
      const cdp = await context.newCDPSession(page);
      await cdp.send('Performance.enable');
      rows.push(await measure(page, cdp, 'Legacy WebSocket', load));
      // The same open page, moved to Realtime the way an admin would (no reload).
      await setCohortOverride(page.request, dataDir, VIEWER.email, 'realtime');
      await waitLiveVia(page, 'Supabase Realtime');
      rows.push(await measure(page, cdp, 'Supabase Realtime', load));
      await setCohortOverride(page.request, dataDir, VIEWER.email, null);
      return rows;
    } finally {
      await browser.close();
      await stack.stop();
    }
  },
};

type Cdp = { send(method: 'Performance.getMetrics'): Promise<{ metrics: Array<{ name: string; value: number }> }> };

async function waitLiveVia(page: Page, transport: string): Promise<void> {
  const connection = page.getByRole('status', { name: 'Connection' });
  await connection.getByTestId('connection-transport').filter({ hasText: transport }).waitFor({ timeout: 30_000 });
  await connection.getByTestId('connection-state').filter({ hasText: /^Live$/ }).waitFor({ timeout: 30_000 });
}

async function measure(page: Page, cdp: Cdp, transport: string, load: number): Promise<BenchRow> {
  await sleep(2_000); // past the gap fill and first paints after going live
  const before = await metrics(cdp);
  const deliveredBefore = await delivered(page);
  const started = performance.now();
  await sleep(MEASURE_SECONDS * 1000);
  const after = await metrics(cdp);
  const wallS = (performance.now() - started) / 1000;
  const events = (await delivered(page)) - deliveredBefore;
  const perSecond = (key: string) => round((((after[key] ?? 0) - (before[key] ?? 0)) * 1000) / wallS, 1);
  return {
    table: 'Dashboard main-thread time while live',
    name: `${transport} · ${round(events / wallS, 0)} events/s rendered · ${round(wallS, 1)} s`,
    metrics: {
      'task ms/s': perSecond('TaskDuration'),
      'script ms/s': perSecond('ScriptDuration'),
      'layout ms/s': perSecond('LayoutDuration'),
      'style ms/s': perSecond('RecalcStyleDuration'),
      'JS heap MB': round((after.JSHeapUsedSize ?? 0) / 2 ** 20, 1),
    },
    note: `headless Chromium (${CHROMIUM}), CDP Performance.getMetrics deltas; viewer forced to the cohort by an override; SIMULATOR_RATE=${SIMULATOR_RATE}; stack, probe and browser share 2 cores; load avg ${load} at start`,
  };
}

async function signIn(page: Page): Promise<void> {
  await page.goto('/login?next=%2F');
  await page.getByLabel('Email').fill(VIEWER.email);
  await page.getByLabel('Password').fill(VIEWER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'), { timeout: 30_000 });
}

async function metrics(cdp: Cdp): Promise<Record<string, number>> {
  const { metrics: list } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(list.map((metric) => [metric.name, metric.value]));
}

/** Events the page has taken in, from the connection indicator's "legacy N · realtime N · history N". */
async function delivered(page: Page): Promise<number> {
  const text = await page.getByRole('status', { name: 'Connection' }).getByTitle('Events by the path that delivered them first').innerText();
  return [...text.matchAll(/(legacy|realtime) (\d+)/g)].reduce((sum, match) => sum + Number(match[2]), 0);
}

/** The `/_next/static/…js` scripts of the signed-in HTML of `/`, sized raw and gzipped from `.next/static`. */
async function firstLoadJs(page: Page): Promise<{ files: number; rawBytes: number; gzipBytes: number; largest: string }> {
  const html = await (await page.request.get('/')).text();
  const sources = [...new Set([...html.matchAll(/<script[^>]*\ssrc="([^"]+\.js)[^"]*"/g)].map((match) => match[1]!))];
  let rawBytes = 0;
  let gzipBytes = 0;
  const chunks: Array<{ label: string; gzip: number }> = [];
  for (const source of sources) {
    const pathname = new URL(source, 'http://x').pathname;
    if (!pathname.startsWith('/_next/static/')) continue;
    const bytes = await readFile(path.join(ROOT, '.next/static', decodeURIComponent(pathname.slice('/_next/static/'.length))));
    const gzip = gzipSync(bytes, { level: 6 }).length;
    rawBytes += bytes.length;
    gzipBytes += gzip;
    chunks.push({ label: chunkLabel(bytes.toString('latin1')), gzip });
  }
  const largest = chunks.sort((a, b) => b.gzip - a.gzip).slice(0, 5).map((c) => `${c.label} ${round(c.gzip / 1024, 1)}`).join(', ');
  return { files: sources.length, rawBytes, gzipBytes, largest };
}

/** A guess at what a chunk mostly holds, from marker strings (for the note only). */
function chunkLabel(source: string): string {
  if (source.includes('GoTrueClient')) return 'supabase-js';
  if (source.includes('react-dom')) return 'react-dom';
  if ((source.match(/zod/g) ?? []).length > 50) return 'zod';
  if (/uplot/i.test(source)) return 'uplot';
  return 'app/next';
}
