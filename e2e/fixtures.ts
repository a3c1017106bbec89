import { test as base, expect, type Page } from '@playwright/test';

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

export const test = base;
export { expect };
