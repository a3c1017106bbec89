import { DEMO, expect, signIn, test } from './fixtures';

test.describe('signing in', () => {
  test('a visitor is sent to the login page', async ({ page }) => {
    await page.goto('/');
    await expect(page).toHaveURL(/\/login\?next=%2F$/);
    await expect(page.getByRole('heading', { name: 'Sign in to Switchyard' })).toBeVisible();
  });

  test('the demo viewer signs in and lands on the dashboard shell', async ({ page }) => {
    await signIn(page, 'viewer');
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole('heading', { name: 'Cache monitoring' })).toBeVisible();
    await expect(page.getByText(DEMO.viewer.email).first()).toBeVisible();
  });

  test('a wrong password shows a readable error and keeps the visitor out', async ({ page }) => {
    await page.goto('/login');
    await page.getByLabel('Email').fill(DEMO.viewer.email);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Next's route announcer is an (empty) alert too: pick ours by its text.
    await expect(page.getByRole('alert').filter({ hasText: 'do not match' })).toHaveText('That email and password do not match an account.');
    await expect(page).toHaveURL(/\/login/);
  });

  test('signing out ends the session', async ({ page }) => {
    await signIn(page, 'admin');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/login/);
    await page.goto('/');
    await expect(page).toHaveURL(/\/login/);
  });

  // Where the form sends you after signing in is decided by one rule: a path on this app.
  for (const next of ['/.//evil.example/phish', '/..//evil.example', '/\\evil.example', '//evil.example', '/%2F%2Fevil.example', 'https://evil.example', 'javascript:alert(1)']) {
    test(`after signing in with next=${JSON.stringify(next)} the visitor stays on the app`, async ({ page, baseURL }) => {
      await signIn(page, 'viewer', next);
      await expect(page).toHaveURL(`${baseURL}/`);
      await expect(page.getByRole('heading', { name: 'Cache monitoring' })).toBeVisible();
    });
  }

  test('a signed-in visitor of /login goes to a path on the app, never off it', async ({ page, baseURL }) => {
    await signIn(page, 'admin', '/validation?since=15m');
    await expect(page).toHaveURL(`${baseURL}/validation?since=15m`);
    await page.goto('/login?next=%2F.%2F%2Fevil.example');
    await expect(page).toHaveURL(`${baseURL}/`);
  });
});
