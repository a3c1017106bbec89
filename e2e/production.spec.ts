import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { expect, test } from '@playwright/test';
import type { Cohort } from '@/lib/rollout/config';
import { freePorts } from '../servers/port';
import { NEXT_KEEP_ALIVE_MS } from '../tools/stack/next-server';
import { DEMO, signIn, type DemoAccount } from './fixtures';
import { dashboardView } from './support/dashboard-view';
import { parseEnvLines, processGroup, type StartedProcess } from './support/processes';
import { rolloutAdmin, type RolloutAdmin } from './support/rollout-admin';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DATA_DIR = '.local/e2e-production';
const TSX = ['--conditions=react-server', '--import', 'tsx'];
/** What a hosted Supabase project hands out (Settings → API, Database): nothing else of the stack reaches the app. */
const PROJECT_KEYS = ['SUPABASE_URL', 'SUPABASE_ANON_KEY', 'SUPABASE_SERVICE_ROLE_KEY', 'SUPABASE_JWT_SECRET', 'DATABASE_URL'] as const;

const secret = () => randomBytes(32).toString('base64url');
const appUrl = (port: number) => `http://127.0.0.1:${port}`;

async function healthy(url: string): Promise<number> {
  return fetch(`${url}/api/health`, { signal: AbortSignal.timeout(5_000) }).then(
    (response) => response.status,
    () => 0,
  );
}

/**
 * The production process contract in `supabase` mode (issue 17): `npm run stack` stands in for a
 * hosted project and is reached only through its public settings; two `npm start` instances, two
 * `npm run worker`s and `npm run legacy` run as a deployment would run them, from the build the
 * e2e webServer made. Every process is started here and stopped at the end, whatever failed.
 */
test('supabase mode: two app instances and two workers act as one deployment', async ({ browser, playwright }, testInfo) => {
  test.setTimeout(12 * 60_000);
  const group = processGroup(ROOT);
  const requests: Array<{ dispose(): Promise<void> }> = [];
  let pool: pg.Pool | undefined;
  try {
    // Free ports, asked of the OS: other stacks (a developer's, CI's) may run on this machine.
    const picked = (await freePorts(5)) as [number, number, number, number, number];
    const PORTS = { api: picked[0], postgres: picked[1], legacy: picked[2], appA: picked[3], appB: picked[4] };
    // A fresh Supabase-shaped database: every migration applies from nothing.
    await rm(path.join(ROOT, DATA_DIR), { recursive: true, force: true });
    const stackSettings = { SWITCHYARD_DATA_DIR: DATA_DIR, SUPABASE_API_PORT: String(PORTS.api), POSTGRES_PORT: String(PORTS.postgres) };
    const stack = group.start('stack', process.execPath, [...TSX, 'tools/stack.ts'], stackSettings);
    const migrations = (await readdir(path.join(ROOT, 'supabase/migrations'))).filter((name) => name.endsWith('.sql'));
    expect(await stack.waitForLine(/✓ migrations \+ seed/, 120_000)).toContain(`${migrations.length} applied, 0 up to date`);
    await stack.waitForLine(/Local stack running/, 120_000);
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'tools/stack-env.ts'], { cwd: ROOT, env: { ...process.env, ...stackSettings } });
    const all = parseEnvLines(stdout);
    const project = Object.fromEntries(PROJECT_KEYS.map((key) => [key, all[key] ?? ''])) as Record<(typeof PROJECT_KEYS)[number], string>;
    for (const key of PROJECT_KEYS) expect(project[key], key).not.toBe('');
    pool = new pg.Pool({ connectionString: project.DATABASE_URL, max: 2 });
    pool.on('error', () => undefined);

    // The deployment's own secrets, as an operator would generate them once.
    const own = { LEGACY_PUBLISH_KEY: secret(), ROLLOUT_COOKIE_SECRET: secret(), INGEST_API_KEY: secret() };
    const legacyUrls = { LEGACY_WS_URL: `ws://127.0.0.1:${PORTS.legacy}/v1/feed`, LEGACY_PUBLISH_URL: `http://127.0.0.1:${PORTS.legacy}/internal/publish` };
    // 20-s windows at 200 rows/s: each measurement holds ~4,000 probe comparisons, enough for a
    // consistency bound to clear 99.9 % (3,000 alone cannot: the gates would stay inconclusive).
    const windows = { VALIDATION_WINDOW_SECONDS: '20', VALIDATION_TICK_SECONDS: '2' };

    const legacy = group.start('legacy', 'npm', ['run', '--silent', 'legacy'], {
      LEGACY_WS_PORT: String(PORTS.legacy),
      SUPABASE_JWT_SECRET: project.SUPABASE_JWT_SECRET,
      LEGACY_PUBLISH_KEY: own.LEGACY_PUBLISH_KEY,
      DATABASE_URL: project.DATABASE_URL,
    });
    await legacy.waitForLine(/\[legacy-ws\] ready/, 60_000);

    const [A, B] = [appUrl(PORTS.appA), appUrl(PORTS.appB)] as [string, string];
    const apps = [PORTS.appA, PORTS.appB].map((port) =>
      group.start(`app:${port}`, 'npm', ['start'], { ...project, ...own, ...legacyUrls, ...windows, SWITCHYARD_MODE: 'supabase', PORT: String(port), APP_URL: appUrl(port) }),
    );
    await Promise.all(apps.map((app) => app.waitForLine(/\[app\] env ok: supabase mode/, 60_000)));
    await expect.poll(() => healthy(A), { timeout: 120_000, intervals: [1_000] }).toBe(200);
    await expect.poll(() => healthy(B), { timeout: 120_000, intervals: [1_000] }).toBe(200);
    // Node's default is 5 s: a client reusing a connection idle that long (the admin context of
    // the second step, after a sign-in) raced the server's close and got ECONNRESET in CI.
    for (const url of [A, B]) expect((await fetch(`${url}/api/health`)).headers.get('keep-alive'), url).toBe(`timeout=${NEXT_KEEP_ALIVE_MS / 1000}`);

    // Each worker reports to a different instance: any instance (or a load balancer) will do.
    const workers = [A, B].map((url, i) =>
      group.start(`worker-${i + 1}`, 'npm', ['run', '--silent', 'worker'], { ...project, LEGACY_WS_URL: legacyUrls.LEGACY_WS_URL, ...windows, APP_URL: url, WORKER_LEASE_RETRY_SECONDS: '2', WORKER_LEASE_RECLAIM_SECONDS: '5' }),
    );
    await Promise.all(workers.map((worker) => worker.waitForLine(/\[worker\] ready/, 60_000)));
    const leading = (worker: StartedProcess) => worker.lines.some((line) => line.startsWith('[worker] leading:'));
    expect(workers.filter(leading), 'exactly one worker leads').toHaveLength(1);
    const leader = workers.find(leading)!;
    const follower = workers.find((worker) => worker !== leader)!;
    expect(follower.lines.some((line) => line.startsWith('[worker] following:'))).toBe(true);
    await leader.waitForLine(/\[probe\] probe: realtime:postgres_changes connected/, 60_000);

    // The e2e rate for the dashboard steps; the gate step needs more evidence per window.
    const simulate = async (rate: number) => {
      const simulator = group.start(`simulator-${rate}`, process.execPath, ['--import', 'tsx', 'servers/simulator/main.ts', '--rate', String(rate)], { INGEST_URL: `${A}/api/ingest`, INGEST_API_KEY: own.INGEST_API_KEY });
      await simulator.waitForLine(/./, 30_000);
      return simulator;
    };
    let simulator = await simulate(60);

    const admin = async (baseURL: string): Promise<RolloutAdmin> => {
      const context = await playwright.request.newContext({ baseURL });
      requests.push(context);
      return rolloutAdmin(context, project.SUPABASE_SERVICE_ROLE_KEY);
    };
    const [adminA, adminB] = [await admin(A), await admin(B)];

    await test.step('a user gets the same cohort from both instances', async () => {
      await adminA.change([{ type: 'set-stage', stage: '50' }], 'e2e production: half of the users on Realtime', { force: true });
      const decisions = async (on: RolloutAdmin) => Promise.all((Object.keys(DEMO) as DemoAccount[]).map((who) => on.explain(DEMO[who].email)));
      const fromA = await decisions(adminA);
      // B reads the same config from Postgres (its snapshot is at most a few seconds old).
      await expect.poll(() => decisions(adminB), { timeout: 15_000 }).toEqual(fromA);
      const context = await browser.newContext({ baseURL: A });
      const page = await context.newPage();
      await signIn(page, 'viewer');
      // Cookies ignore the port: the same session reaches both instances.
      const me = async (base: string) => ((await (await page.request.get(`${base}/api/rollout/me`)).json()) as { cohort: Cohort }).cohort;
      const viewerCohort = fromA[(Object.keys(DEMO) as DemoAccount[]).indexOf('viewer')]?.cohort;
      expect(await me(A)).toBe(await me(B));
      expect(await me(A)).toBe(viewerCohort);
      await context.close();
    });

    await test.step('an admin change on one instance reaches a dashboard served by the other', async () => {
      const context = await browser.newContext({ baseURL: B });
      const page = await context.newPage();
      await signIn(page, 'viewer');
      const viewer = dashboardView(page);
      const { userId, cohort } = await adminB.explain(DEMO.viewer.email);
      const target: Cohort = cohort === 'realtime' ? 'legacy' : 'realtime';
      await viewer.expectLiveVia(cohort === 'realtime' ? 'realtime' : 'legacy', 30_000);
      await adminA.change([{ type: 'set-override', userId, cohort: target }], `e2e production: viewer on ${target} via instance A`);
      await expect(viewer.cohort).toHaveText(target, { timeout: 10_000 });
      await viewer.expectLiveVia(target, 30_000);
      await testInfo.attach('dashboard-on-B', { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' });
      await context.close();
      await adminA.reset();
    });

    await test.step('a rate limit holds across both instances', async () => {
      const key = secret();
      await pool!.query("insert into public.ingest_keys (name, key_hash, rate_limit_per_s) values ('e2e-slow', $1, 1)", [createHash('sha256').update(key).digest('hex')]);
      // One request per second, bursts of 2. An empty batch (`{}`) is allowed (200) or refused
      // (429) and stores nothing.
      const post = async (base: string, on: 'A' | 'B') => {
        const response = await fetch(`${base}/api/ingest`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{}' });
        return { on, status: response.status };
      };
      const started = performance.now();
      const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? post(A, 'A') : post(B, 'B'))));
      const seconds = (performance.now() - started) / 1000;
      const allowed = statuses.filter((s) => s.status !== 429);
      const detail = `${JSON.stringify(statuses)} in ${seconds.toFixed(2)} s`;
      expect(statuses.every((s) => s.status === 200 || s.status === 429), detail).toBe(true);
      // One shared bucket allows the burst once plus what refilled while the 20 requests ran;
      // a bucket per instance would allow the burst on each (4 + twice the refill).
      expect(allowed.length, detail).toBeGreaterThanOrEqual(2);
      expect(allowed.length, detail).toBeLessThanOrEqual(2 + Math.ceil(seconds));
      expect(new Set(statuses.filter((s) => s.status === 429).map((s) => s.on)), detail).toEqual(new Set(['A', 'B']));
    });

    await test.step('the gate runner acts once per decision', async () => {
      await simulator.stop();
      simulator = await simulate(200);
      // At a live stage with auto-advance on, every verdict leads to a decision: passing for a
      // minute advances, two failing measurements roll back (a loaded machine fails the latency
      // gate), three inconclusive ones pause. Whichever it is, it must be taken once.
      const since = Date.now();
      await adminA.change(
        [
          { type: 'set-stage', stage: '25' },
          { type: 'set-auto-advance', autoAdvance: true, soakMinutes: 1 },
        ],
        'e2e production: a live stage the gate runner decides on by itself',
        { force: true },
      );
      const automatic = async () => (await adminB.overview()).audit.filter((entry) => entry.automatic && Date.parse(entry.at) >= since);
      await expect.poll(async () => (await automatic()).length, { timeout: 6 * 60_000, intervals: [2_000] }).toBeGreaterThan(0);
      const [decision] = await automatic();
      await adminB.change([{ type: 'set-kill-switch', killSwitch: true }], 'e2e production: hold everything after the first decision');
      expect(decision!.action).toMatch(/^(ROLLBACK|stage →|PAUSED)/);
      testInfo.annotations.push({ type: 'gate decision', description: `${decision!.action}: ${decision!.reason}` });
      // One row per decision: never two automatic entries taken on the same config version.
      const entries = await automatic();
      expect(new Set(entries.map((entry) => entry.fromVersion)).size, JSON.stringify(entries)).toBe(entries.length);
      // Only the leader ran the analysis and the gates.
      expect(leader.lines.some((line) => /^\[validation\] .*; (advance|rollback|pause)/.test(line))).toBe(true);
      expect(follower.lines.filter((line) => line.startsWith('[validation]'))).toEqual([]);
    });

    await test.step('killing the leader worker hands over within a minute', async () => {
      await leader.kill();
      await follower.waitForLine(/\[worker\] leading: lease taken/, 60_000);
      await follower.waitForLine(/\[probe\] probe: realtime:postgres_changes connected/, 60_000);
      await follower.waitForLine(/\[validation\]/, 60_000);
    });
  } finally {
    await Promise.all(requests.map((request) => request.dispose()));
    await pool?.end();
    await group.stopAll();
    await testInfo.attach('processes.log', { body: group.started.map((p) => p.lines.map((line) => `[${p.name}] ${line}`).join('\n')).join('\n'), contentType: 'text/plain' });
  }
});
