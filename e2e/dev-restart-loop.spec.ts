import { expect, test, type Page } from '@playwright/test';
import { DEMO } from './fixtures';
import { alive, expectStopped, freeDevPorts, listening, startDev, type DevPorts, type DevRun } from './support/dev-process';

/**
 * `npm run dev` as a developer lives with it: started, used, stopped — by Ctrl-C, by SIGTERM,
 * by a SIGKILL — and started again. Every run serves the login page once (no reload loop),
 * signs in, and leaves no listener and no process behind. Its own data dir and ports; the
 * compile cache in the data dir carries over between runs, as it does on a laptop.
 */
const DATA_DIR = '.local/e2e-dev';
const START_MS = 120_000;

test.describe.configure({ mode: 'serial', timeout: 300_000 });

let run: DevRun | undefined;
let leftovers: { ports: DevPorts; pids: number[] } | undefined;

test.afterAll(async () => {
  // A failed story must not leave its stack running for the rest of the suite.
  const pids = [...(run ? run.processes() : []), ...(leftovers?.pids ?? [])];
  for (const pid of alive(pids)) process.kill(pid, 'SIGKILL');
});

/** Opens /login, waits for the dev client's HMR socket to sync with the server, signs in; returns how often /login was loaded. */
async function signInOnce(page: Page, appUrl: string): Promise<number> {
  let loginLoads = 0;
  page.on('request', (request) => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame() && new URL(request.url()).pathname === '/login') loginLoads += 1;
  });
  const hmrSynced = new Promise<void>((resolve) => {
    page.on('websocket', (socket) => {
      if (!/\/_next\/(webpack-)?hmr/.test(socket.url())) return;
      socket.on('framereceived', ({ payload }) => {
        if (String(payload).includes('"type":"sync"')) resolve();
      });
    });
  });
  await page.goto(`${appUrl}/login`);
  // The dev client compares its build with the server's on this message: a reload loop starts here.
  await hmrSynced;
  await expect(page.getByRole('heading', { name: 'Sign in to Switchyard' })).toBeVisible();
  await page.getByLabel('Email').fill(DEMO.viewer.email);
  await page.getByLabel('Password').fill(DEMO.viewer.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Cache monitoring' })).toBeVisible({ timeout: 90_000 });
  await expect(page).toHaveURL(`${appUrl}/`);
  return loginLoads;
}

test('run 1: loads and signs in once; Ctrl-C (SIGINT) leaves no listener and no process within 15 s', async ({ page }) => {
  run = await startDev({ dataDir: DATA_DIR, ports: await freeDevPorts(), timeoutMs: START_MS });
  expect(await signInOnce(page, run.appUrl)).toBe(1);
  const processes = run.processes();
  expect(processes.length).toBeGreaterThan(3);
  process.kill(-run.npmPid, 'SIGINT');
  await expectStopped(run, processes);
  await run.exited;
});

test('run 2: loads and signs in once; SIGTERM leaves no listener and no process within 15 s', async ({ page }) => {
  run = await startDev({ dataDir: DATA_DIR, ports: await freeDevPorts(), timeoutMs: START_MS });
  expect(await signInOnce(page, run.appUrl)).toBe(1);
  const processes = run.processes();
  process.kill(run.npmPid, 'SIGTERM');
  await expectStopped(run, processes);
  await run.exited;
});

test('run 3: loads and signs in once; then the orchestrator and its guardian are SIGKILLed, and Next and Postgres are left running', async ({ page }) => {
  run = await startDev({ dataDir: DATA_DIR, ports: await freeDevPorts(), timeoutMs: START_MS });
  expect(await signInOnce(page, run.appUrl)).toBe(1);
  const recorded = await run.recorded();
  leftovers = { ports: run.ports, pids: [recorded.children.next!, recorded.children.postgres!] };
  process.kill(recorded.guardian!, 'SIGKILL');
  process.kill(recorded.orchestrator, 'SIGKILL');
  await run.exited;
  // Nothing stops them now: Next and Postgres keep their ports.
  expect(alive(leftovers.pids)).toEqual(leftovers.pids);
  expect(await listening(run.ports)).toEqual(expect.arrayContaining([run.ports.app, run.ports.postgres]));
});

test('run 4: stops what run 3 left (by its recorded pids), starts, loads and signs in once; a SIGKILL of its process group: the guardian stops Next within 15 s', async ({ page }) => {
  expect(leftovers, 'run 3 left Next and Postgres running').toBeDefined();
  run = await startDev({ dataDir: DATA_DIR, ports: leftovers!.ports, timeoutMs: START_MS });
  expect(run.output()).toMatch(/stopped next \(pid \d+\) left running by an earlier run/);
  expect(run.output()).toMatch(/stopped postgres \(pid \d+\) left running by an earlier run/);
  expect(alive(leftovers!.pids)).toEqual([]);
  expect(await signInOnce(page, run.appUrl)).toBe(1);
  const processes = run.processes();
  process.kill(-run.npmPid, 'SIGKILL');
  await expectStopped(run, processes);
  run = undefined;
});
