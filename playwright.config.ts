import { existsSync } from 'node:fs';
import { defineConfig, devices } from '@playwright/test';

// Playwright cannot download browsers here: use Debian's Chromium when present.
const chromiumPath = process.env.PLAYWRIGHT_CHROMIUM_EXECUTABLE ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
const chromiumArgs = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const appPort = Number(process.env.E2E_APP_PORT ?? 3100);
const chromium = { ...devices['Desktop Chrome'], launchOptions: { executablePath: chromiumPath, args: chromiumArgs } };
const DASHBOARD_SPEC = /dashboard\.spec\.ts$/;
const FALLBACK_SPEC = /dashboard-fallback\.spec\.ts$/;

export default defineConfig({
  testDir: './e2e',
  outputDir: './test-results',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : 'list',
  use: {
    baseURL: `http://127.0.0.1:${appPort}`,
    screenshot: 'on',
    trace: 'retain-on-failure',
    launchOptions: { executablePath: chromiumPath, args: chromiumArgs },
  },
  projects: [
    { name: 'chromium', use: chromium, testIgnore: [DASHBOARD_SPEC, FALLBACK_SPEC] },
    // The same dashboard story on each transport: the fixture overrides the viewer's cohort
    // to the project's name through the admin API, the way an admin would. The Realtime
    // outage story only makes sense on the realtime project.
    { name: 'legacy', use: chromium, testMatch: DASHBOARD_SPEC },
    { name: 'realtime', use: chromium, testMatch: [DASHBOARD_SPEC, FALLBACK_SPEC] },
    // Defined for machines that have these browsers (`npx playwright test --project firefox`).
    { name: 'firefox', use: { ...devices['Desktop Firefox'] } },
    { name: 'webkit', use: { ...devices['Desktop Safari'] } },
  ],
  webServer: {
    // A separate data dir and ports, so tests never touch a developer's running stack.
    // `node --import tsx`, not the tsx CLI: its wrapper process breaks signal handling on stop.
    command: 'npm run build && node --conditions=react-server --import tsx tools/dev.ts --next start',
    url: `http://127.0.0.1:${appPort}/api/health`,
    timeout: 300_000,
    reuseExistingServer: false,
    // SIGTERM lets tools/dev.ts stop Next (its own process group), the workers and Postgres
    // in order; the default SIGKILL of the group would orphan the Next server on port 3100.
    gracefulShutdown: { signal: 'SIGTERM', timeout: 20_000 },
    stdout: 'pipe',
    env: {
      SWITCHYARD_DATA_DIR: '.local/e2e',
      APP_PORT: String(appPort),
      SUPABASE_API_PORT: process.env.E2E_SUPABASE_API_PORT ?? '54421',
      POSTGRES_PORT: process.env.E2E_POSTGRES_PORT ?? '54422',
      LEGACY_WS_PORT: process.env.E2E_LEGACY_WS_PORT ?? '8887',
      NEXT_TELEMETRY_DISABLED: '1',
      // 60 metric rows/s (3× the dev default): the probe compares ≥ 3,000 events in three 20-s windows.
      SIMULATOR_RATE: process.env.E2E_SIMULATOR_RATE ?? '60',
      // 20-s validation windows and a 5-s worker tick: a stage's gates decide within ~1.5 min
      // (3 windows ≥ 3,000 events) instead of ~2.5, so the full climb fits the CI budget.
      VALIDATION_WINDOW_SECONDS: process.env.E2E_VALIDATION_WINDOW_SECONDS ?? '20',
      VALIDATION_TICK_SECONDS: process.env.E2E_VALIDATION_TICK_SECONDS ?? '5',
    },
  },
});
