import { existsSync } from 'node:fs';
import { defineConfig, devices } from '@playwright/test';

// Playwright cannot download browsers here: use Debian's Chromium when present.
const chromiumPath = process.env.PLAYWRIGHT_CHROMIUM_EXECUTABLE ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
const chromiumArgs = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const appPort = Number(process.env.E2E_APP_PORT ?? 3100);

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
    { name: 'chromium', use: { ...devices['Desktop Chrome'], launchOptions: { executablePath: chromiumPath, args: chromiumArgs } } },
    // Defined for machines that have these browsers (`npx playwright test --project firefox`).
    { name: 'firefox', use: { ...devices['Desktop Firefox'] } },
    { name: 'webkit', use: { ...devices['Desktop Safari'] } },
  ],
  webServer: {
    // A separate data dir and ports, so tests never touch a developer's running stack.
    command: 'npm run build && tsx --conditions=react-server servers/dev.ts --next start',
    url: `http://127.0.0.1:${appPort}/api/health`,
    timeout: 300_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    env: {
      SWITCHYARD_DATA_DIR: '.local/e2e',
      APP_PORT: String(appPort),
      SUPABASE_API_PORT: process.env.E2E_SUPABASE_API_PORT ?? '54421',
      POSTGRES_PORT: process.env.E2E_POSTGRES_PORT ?? '54422',
      LEGACY_WS_PORT: process.env.E2E_LEGACY_WS_PORT ?? '8887',
      NEXT_TELEMETRY_DISABLED: '1',
    },
  },
});
