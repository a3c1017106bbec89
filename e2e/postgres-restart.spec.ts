import { createClient, type RealtimePostgresInsertPayload } from '@supabase/supabase-js';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import WebSocket from 'ws';
import { DEMO, expect, signIn, test } from './fixtures';
import { dashboardView, type TransportName } from './support/dashboard-view';
import { alive, expectStopped, freeDevPorts, listening, readStackEnv, startDev, type DevRun } from './support/dev-process';
import { comparePageWithDatabase, EXACTLY_THE_DATABASE_ROWS } from './support/page-vs-database';
import { rolloutAdmin } from './support/rollout-admin';

/**
 * A managed Postgres restarts under a running product: its own stack (`npm run dev --
 * --next start`, the e2e build), a viewer on each transport, an official supabase-js
 * subscriber, the simulator and the probe running. Postgres is stopped for 20 s and started
 * again through the stack's restart control. Own ports and data dir, so the shared e2e
 * stack's numbers (validation gates) are not disturbed.
 */
const DATA_DIR = '.local/e2e-restart';
const DOWN_MS = 20_000;

test.describe.configure({ timeout: 300_000 });

let run: DevRun | undefined;

test.afterAll(async () => {
  if (run) for (const pid of alive(run.processes())) process.kill(pid, 'SIGKILL');
});

test('a 20 s Postgres restart: every process stays up; afterwards ingest, sign-in, both feeds and the probe work, and nothing is lost or doubled', async ({ browser, playwright }, testInfo) => {
  run = await startDev({ dataDir: DATA_DIR, ports: await freeDevPorts(), timeoutMs: 120_000, args: ['--next', 'start'], simulatorRate: 20 });
  const env = await readStackEnv(DATA_DIR);
  const api = await playwright.request.newContext({ baseURL: run.appUrl });
  const admin = rolloutAdmin(api, env.SUPABASE_SERVICE_ROLE_KEY!);
  const db = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2 });
  db.on('error', () => undefined); // The restart under test ends this pool's idle connections too.
  const subscriber = createClient(env.SUPABASE_URL!, env.SUPABASE_ANON_KEY!, { auth: { persistSession: false, autoRefreshToken: false }, realtime: { transport: WebSocket as never } });
  try {
    // A viewer on each transport, forced the way an admin would.
    await admin.reset();
    const viewers: Array<{ who: 'viewer' | 'ops'; transport: TransportName }> = [
      { who: 'viewer', transport: 'legacy' },
      { who: 'ops', transport: 'realtime' },
    ];
    const dashboards = [];
    for (const { who, transport } of viewers) {
      const subject = await admin.explain(DEMO[who].email);
      await admin.change([{ type: 'set-override', userId: subject.userId, cohort: transport }], `e2e: ${who} on ${transport} for the restart story`);
      const context = await browser.newContext({ baseURL: run.appUrl });
      const page = await context.newPage();
      await signIn(page, who);
      const dashboard = dashboardView(page);
      await dashboard.expectLiveVia(transport, 30_000);
      dashboards.push({ transport, dashboard });
    }

    // An official supabase-js client subscribed to both tables with a signed-in session.
    const { data: session, error: signInError } = await subscriber.auth.signInWithPassword(DEMO.admin);
    expect(signInError).toBeNull();
    await subscriber.realtime.setAuth(session.session!.access_token);
    const received: Record<'cache_metrics' | 'system_events', number[]> = { cache_metrics: [], system_events: [] };
    const channel = subscriber.channel('e2e-postgres-restart');
    for (const table of ['cache_metrics', 'system_events'] as const) {
      channel.on('postgres_changes', { event: 'INSERT', schema: 'public', table }, (change: RealtimePostgresInsertPayload<{ id: number }>) => received[table].push(Number(change.new.id)));
    }
    await new Promise<void>((resolve, reject) => channel.subscribe((status, error) => (status === 'SUBSCRIBED' ? resolve() : status === 'CHANNEL_ERROR' ? reject(error) : undefined)));
    await expect.poll(() => received.cache_metrics.length, { timeout: 30_000 }).toBeGreaterThan(20);
    // The comparison starts where the subscription was live: its first metric row, and the next system event id
    // (ingest is sequential, so every later id commits after this point and must be delivered).
    const nextEvent = (await db.query<{ next: number }>('select coalesce(max(id), 0)::int + 1 as next from public.system_events')).rows[0]!.next;
    const firstId = { cache_metrics: received.cache_metrics[0]!, system_events: nextEvent };

    const recorded = await run.recorded();
    const mustStayUp = [recorded.orchestrator, recorded.guardian!, recorded.children.next!];
    const newestBefore = Math.max(...received.cache_metrics);

    // The restart: a real stop of the server process, 20 s down, start.
    const restarted = await fetch(`${env.SUPABASE_URL}/__switchyard/postgres`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.SUPABASE_SERVICE_ROLE_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'restart', downMs: DOWN_MS }),
    });
    expect(restarted.status, await restarted.clone().text()).toBe(200);
    const backAt = Date.now();
    await expect.poll(() => Math.max(...received.cache_metrics), { timeout: 60_000 }).toBeGreaterThan(newestBefore);
    const recoverySeconds = (Date.now() - backAt) / 1000;
    testInfo.annotations.push({ type: 'recovery', description: `first simulator row delivered by Realtime ${recoverySeconds.toFixed(1)} s after Postgres accepted connections again` });

    // Every process stayed up.
    expect(alive(mustStayUp)).toEqual(mustStayUp);
    expect(await listening(run.ports)).toHaveLength(4);

    // Ingest works; the new rows reach both dashboards (legacy feed and Realtime).
    const message = `after the restart ${randomUUID()}`;
    const ingested = await api.post('/api/ingest', {
      headers: { authorization: `Bearer ${env.INGEST_API_KEY}` },
      data: {
        metrics: [{ event_id: randomUUID(), source: 'e2e', cache_name: 'restart-marker', hits: 1, misses: 0, evictions: 0, keys: 1, memory_bytes: 1, hit_ratio: 1, ops_per_sec: 1, p50_latency_ms: 1, p99_latency_ms: 1 }],
        events: [{ event_id: randomUUID(), source: 'e2e', level: 'info', kind: 'e2e.restart', message }],
      },
    });
    expect(ingested.status(), await ingested.text()).toBe(200);
    const marker = ((await ingested.json()) as { metrics: Array<{ id: number }>; events: Array<{ id: number; event_id: string }> });
    for (const { dashboard } of dashboards) await expect(dashboard.eventsTable.getByRole('cell', { name: message })).toBeVisible({ timeout: 15_000 });

    // Sign-in works (a fresh browser, through the form).
    const fresh = await browser.newContext({ baseURL: run.appUrl });
    await signIn(await fresh.newPage(), 'admin');
    await fresh.close();

    // The probe reports the new event from both transports.
    await expect
      .poll(async () => (await db.query<{ transport: string }>("select distinct transport from public.validation_samples where cohort = 'probe' and event_id = $1 order by 1", [marker.events[0]!.event_id])).rows.map((row) => row.transport), { timeout: 20_000 })
      .toEqual(['legacy', 'realtime']);

    // The database and the subscribed official client agree on every row: none lost, none twice.
    for (const [table, last] of [['cache_metrics', marker.metrics[0]!.id], ['system_events', marker.events[0]!.id]] as const) {
      const inDatabase = async () => (await db.query<{ id: number }>(`select id::int from public.${table} where id between $1 and $2 order by id`, [firstId[table], last])).rows.map((row) => row.id);
      await expect.poll(async () => missingFrom(received[table], await inDatabase()), { timeout: 20_000 }).toEqual([]);
      const delivered = received[table].filter((id) => id >= firstId[table] && id <= last);
      expect({ table, duplicates: duplicatesIn(delivered), extra: missingFrom(await inDatabase(), delivered) }).toEqual({ table, duplicates: [], extra: [] });
      expect(delivered.length).toBe((await inDatabase()).length);
    }
    // What each dashboard holds is exactly the database's rows (its own range): no holes, no repeats.
    for (const { dashboard } of dashboards) {
      await expect.poll(() => comparePageWithDatabase(dashboard, admin, marker.metrics[0]!.id), { timeout: 20_000 }).toEqual(EXACTLY_THE_DATABASE_ROWS);
    }
    for (const { dashboard } of dashboards) await dashboard.page.context().close();

    const processes = run.processes();
    process.kill(-run.npmPid, 'SIGINT');
    await expectStopped(run, processes);
  } finally {
    if (run) await testInfo.attach('npm run dev output', { body: run.output(), contentType: 'text/plain' });
    await subscriber.removeAllChannels();
    await db.end();
    await api.dispose();
  }
  run = undefined;
});

function missingFrom(have: number[], want: number[]): number[] {
  const set = new Set(have);
  return want.filter((id) => !set.has(id)).slice(0, 20);
}

function duplicatesIn(ids: number[]): number[] {
  const seen = new Set<number>();
  return ids.filter((id) => (seen.has(id) ? true : (seen.add(id), false))).slice(0, 20);
}
