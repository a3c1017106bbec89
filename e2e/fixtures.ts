import { test as base, expect, type APIRequestContext, type APIResponse, type Page } from '@playwright/test';
import { dashboardView, type DashboardView, type TransportName } from './support/dashboard-view';
import { realtimeFaults, type RealtimeFaults } from './support/realtime-faults';
import { rolloutAdmin, type RolloutAdmin } from './support/rollout-admin';
import { readE2eStack, type E2eStack } from './support/stack';

export const DEMO = {
  admin: { email: 'admin@switchyard.local', password: 'switchyard-admin' },
  viewer: { email: 'viewer@switchyard.local', password: 'switchyard-viewer' },
  ops: { email: 'ops@switchyard.local', password: 'switchyard-ops' },
} as const;

export type DemoAccount = keyof typeof DEMO;

/** Signs in through the login form, as a person would. */
export async function signIn(page: Page, who: DemoAccount, next = '/'): Promise<void> {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Email').fill(DEMO[who].email);
  await page.getByLabel('Password').fill(DEMO[who].password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).not.toHaveURL(/\/login/);
}

interface WorkerFixtures {
  stack: E2eStack;
  /** Requests to the app without a browser session (bearer added per call). */
  api: APIRequestContext;
}

interface TestFixtures {
  /** The rollout admin API (service-role key), reset to legacy-only with no overrides before the test. */
  rollout: RolloutAdmin;
  /** Realtime fault controls; cleared before and after the test. */
  faults: RealtimeFaults;
  /** A further browser context signed in as `who` (its final screen is attached to the report). */
  signedIn: (who: DemoAccount, path?: string) => Promise<Page>;
  /** The dashboard project's transport (`legacy` / `realtime`), from the project name. */
  projectTransport: TransportName;
  /** The viewer's dashboard, with the viewer's cohort overridden to the project's transport. */
  viewerDashboard: DashboardView;
}

/**
 * The worker's API context keeps connections alive across tests; a server closes an idle one
 * after its keep-alive timeout, and a request sent at that instant is reset (ECONNRESET) before
 * the server read it. Real HTTP clients retry such a request; so does this one (Playwright's
 * `maxRetries` retries only ECONNRESET, so an answered request is never sent twice).
 */
function retryingResets(context: APIRequestContext): APIRequestContext {
  for (const method of ['get', 'post', 'put', 'patch', 'delete', 'head', 'fetch'] as const) {
    const original = context[method].bind(context) as (url: never, options?: { maxRetries?: number }) => Promise<APIResponse>;
    Object.assign(context, { [method]: (url: never, options: { maxRetries?: number } = {}) => original(url, { maxRetries: 2, ...options }) });
  }
  return context;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  stack: [async ({}, use) => use(await readE2eStack()), { scope: 'worker' }],
  api: [
    async ({ playwright }, use, workerInfo) => {
      const context = await playwright.request.newContext({ baseURL: workerInfo.project.use.baseURL });
      await use(retryingResets(context));
      await context.dispose();
    },
    { scope: 'worker' },
  ],
  faults: async ({ api, stack }, use) => {
    const faults = realtimeFaults(api, stack);
    await faults.clear();
    await use(faults);
    await faults.clear();
  },
  rollout: async ({ api, stack, faults }, use) => {
    void faults; // cleared first: a fault left over from a failed story must not leak into this one
    const admin = rolloutAdmin(api, stack.serviceRoleKey);
    await admin.reset();
    await use(admin);
  },
  signedIn: async ({ browser }, use, testInfo) => {
    const pages: Array<{ who: DemoAccount; page: Page }> = [];
    await use(async (who, path = '/') => {
      const context = await browser.newContext({ baseURL: testInfo.project.use.baseURL });
      const page = await context.newPage();
      pages.push({ who, page });
      await signIn(page, who, path);
      return page;
    });
    for (const [index, { who, page }] of pages.entries()) {
      if (!page.isClosed()) await testInfo.attach(`${who}-${index + 1}`, { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' });
      await page.context().close();
    }
  },
  projectTransport: async ({}, use, testInfo) => {
    const name = testInfo.project.name;
    if (name !== 'legacy' && name !== 'realtime') throw new Error(`e2e: dashboard stories run in the "legacy" and "realtime" projects, not "${name}"`);
    await use(name);
  },
  viewerDashboard: async ({ page, rollout, projectTransport }, use) => {
    const viewer = await rollout.explain(DEMO.viewer.email);
    await rollout.change([{ type: 'set-override', userId: viewer.userId, cohort: projectTransport }], `e2e: viewer on ${projectTransport} for the dashboard story`);
    await signIn(page, 'viewer');
    await use(dashboardView(page));
  },
});

export { expect };
