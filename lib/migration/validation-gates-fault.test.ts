import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POST as ingestRoute } from '@/app/api/ingest/route';
import { POST as samplesRoute } from '@/app/api/validation/samples/route';
import { db } from '@/lib/db/pool';
import { legacyPublisher } from '@/lib/ingest/legacy-publisher';
import { ingestRequest, metric, event, setTestEnv, TEST_JWT_SECRET, TEST_PUBLISH_KEY } from '@/test-support/ingest';
import { GATE_THRESHOLDS } from '@/lib/validation/engine/gates';
import { checkGates, runGateTick, type GateCheck } from '@/lib/migration/gate-runner';
import { FAILURE_LIMIT } from '@/lib/validation/engine/gate-policy';
import type { RolloutCommand } from '@/lib/rollout/commands';
import { changeConfig, listAudit, loadConfig } from '@/lib/rollout/server/config-store';
import { invalidateRolloutConfig } from '@/lib/rollout/server/server-config';
import { apiRequest, errorOf, userToken } from '@/test-support/api';
import { serveRoute, type ServedRoute } from '@/test-support/serve-route';
import { waitFor } from '@/test-support/wait-for';
import { analyzeClosedMinutes, GRACE_MS, SETTLE_MS } from '@/lib/validation/store/window-analysis';
import { startLegacyServer, type LegacyServer } from '@/servers/legacy-ws/legacy-server';
import { startRealtimeServer, type RealtimeServer } from '@/servers/local-supabase/realtime/start-realtime-server';
import { signApiKey } from '@/servers/local-supabase/secrets';
import { startProbe, type Probe } from '@/servers/probe/probe';
import { startThrowawayPostgres, type ThrowawayPostgres } from '@/test-support/throwaway-postgres';

// The whole validation loop, for real: ingest route → Postgres → local Realtime (logical
// replication) and the legacy feed → the headless probe (official clients, both transports
// plus the legacy noise baseline) → the samples route over HTTP → window analysis against
// the stored rows → gates → the gate runner. The fault is the Realtime server's own: it
// drops a share of postgres_changes deliveries. Viewers' forged reports go through the
// same samples route and must not move anything.

const PER_BATCH = 250;
const MINUTE = 60_000;
/** Comfortably more than a full window needs: ≥ 3,000 compared events per analysed minute. */
const PER_MINUTE = 3_250;

let postgres: ThrowawayPostgres;
let legacy: LegacyServer;
let realtime: RealtimeServer;
let samplesApp: ServedRoute;
let anonKey: string;
let serviceKey: string;

beforeAll(async () => {
  postgres = await startThrowawayPostgres({ seed: false });
  legacy = await startLegacyServer({ port: 0, jwtSecret: TEST_JWT_SECRET, publishKey: TEST_PUBLISH_KEY });
  setTestEnv({ databaseUrl: postgres.databaseUrl, publishUrl: legacy.publishUrl });
  realtime = await startRealtimeServer({ port: 0, jwtSecret: TEST_JWT_SECRET, databaseUrl: postgres.databaseUrl });
  samplesApp = await serveRoute(samplesRoute);
  anonKey = await signApiKey(TEST_JWT_SECRET, 'anon');
  serviceKey = await signApiKey(TEST_JWT_SECRET, 'service_role');
});

afterAll(async () => {
  await legacyPublisher().close();
  await samplesApp?.close();
  await realtime?.close();
  await legacy?.close();
  await db().end();
  await postgres?.stop();
});

async function sampleCount(eventIds: string[]): Promise<Record<string, number>> {
  const { rows } = await db().query<{ lane: string; n: number }>("select transport || ':' || lane || coalesce(':' || strategy, '') as lane, count(*)::int as n from public.validation_samples where event_id = any($1::uuid[]) group by 1", [eventIds]);
  return Object.fromEntries(rows.map((row) => [row.lane, row.n]));
}

/** A fresh run at `stage`, which has been running for a while (the minutes observed are all its own). */
async function startAt(commands: RolloutCommand[]): Promise<Probe> {
  await db().query(
    `truncate public.validation_samples, public.validation_errors, public.validation_windows, public.validation_discrepancies, public.validation_progress,
       public.validation_observers, public.validation_coverage, public.validation_quarantine, public.validation_rejections, public.gate_runner_state,
       public.rollout_config, public.rollout_audit`,
  );
  await changeConfig(db(), { actor: { id: null, email: 'test' }, commands, reason: 'under test' });
  await db().query("update public.rollout_config set config = jsonb_set(config, '{stageSince}', to_jsonb($1::text))", [new Date(Date.now() - 5 * MINUTE).toISOString()]);
  invalidateRolloutConfig();
  const probe = await startProbe({
    supabaseUrl: realtime.url,
    anonKey,
    jwtSecret: TEST_JWT_SECRET,
    legacyWsUrl: legacy.feedUrl,
    samplesUrl: `${samplesApp.origin}/api/validation/samples`,
    serviceRoleKey: serviceKey,
  });
  await waitFor(async () => Object.values(probe.stats().lanes).every((lane) => lane.phase === 'live'), 'every probe lane live', 15_000);
  return probe;
}

/** The probe's Realtime lanes: one per strategy, side by side. */
const REALTIME_LANES = ['realtime:shadow:postgres_changes', 'realtime:shadow:broadcast'];

/** A first delivery on every live lane, and the settle time after it: from here on the probe's coverage is in force. */
async function warmUp(lanes?: string[]): Promise<void> {
  await burst(0, lanes);
  const settled = Date.now() + SETTLE_MS + 500;
  await waitFor(async () => Date.now() >= settled, 'the coverage settle time', SETTLE_MS + 5_000, 100);
}

/** Sentinels per burst, in one transaction: a 1 % drop fault loses each with p = 0.01, all five with p = 10⁻¹⁰. */
const SENTINELS = 5;

/**
 * Ingests `count` events, then a transaction of sentinels: Realtime delivers in commit order,
 * so once the probe reported any sentinel on each of `lanes`, every earlier event was
 * delivered or dropped. (Waiting for one particular sentinel hangs whenever a delivery
 * fault drops that very row.)
 */
async function burst(count: number, lanes: string[] = ['legacy:primary', 'legacy:baseline', ...REALTIME_LANES]): Promise<void> {
  for (let sent = 0; sent < count; sent += PER_BATCH) {
    const response = await ingestRoute(ingestRequest({ metrics: Array.from({ length: PER_BATCH - 10 }, () => metric()), events: Array.from({ length: 10 }, () => event()) }));
    expect(response.status).toBe(200);
  }
  const sentinels = Array.from({ length: SENTINELS }, () => metric());
  expect((await ingestRoute(ingestRequest({ metrics: sentinels }))).status).toBe(200);
  await waitFor(async () => {
    const seen = await sampleCount(sentinels.map((sentinel) => String(sentinel.event_id)));
    return lanes.every((lane) => (seen[lane] ?? 0) >= 1);
  }, `a sentinel on ${lanes.join(', ')}`, 30_000);
}

/** Waits (≤ 1 min) until the wall clock is early enough in a minute for a burst to fit in it. */
async function earlyInAMinute(): Promise<void> {
  await waitFor(async () => Date.now() % MINUTE < 30_000, 'the first half of a minute', 61_000, 200);
}

async function nextMinute(): Promise<void> {
  const boundary = (Math.floor(Date.now() / MINUTE) + 1) * MINUTE;
  await waitFor(async () => Date.now() >= boundary + 500, 'the next minute', 61_000, 200);
}

/** Closes the minutes observed so far (a `now` past the grace), one measurement at a time. */
const analyseOneMinute = () => analyzeClosedMinutes(db(), { now: Date.now() + 3 * MINUTE, maxMinutes: 1 });
const analyseAll = () => analyzeClosedMinutes(db(), { now: Date.now() + 3 * MINUTE });

/**
 * A lane's coverage ends a grace before its last report (what it vouched for), so the
 * probe keeps reporting until its coverage reaches past every event ingested so far.
 */
async function probeCaughtUp(): Promise<void> {
  const { rows } = await db().query<{ ms: string }>('select floor(extract(epoch from max(emitted_at)) * 1000)::bigint as ms from public.cache_metrics');
  const needed = Number(rows[0]?.ms ?? 0) + GRACE_MS + 1_000;
  await waitFor(async () => {
    const seen = await db().query<{ ms: string }>("select max(seen_through_ms) as ms from public.validation_observers where subject = 'probe'");
    return Number(seen.rows[0]?.ms ?? 0) >= needed;
  }, 'the probe to vouch past the last event', 30_000, 250);
}

async function finish(probe: Probe): Promise<void> {
  await probeCaughtUp();
  await probe.close();
  expect(probe.stats().sampler).toMatchObject({ buffered: 0, dropped: 0, failedBatches: 0, lastError: null });
}

async function kinds(): Promise<Record<string, number>> {
  const { rows } = await db().query<{ kind: string; n: number }>('select kind, count(*)::int as n from public.validation_discrepancies group by kind');
  return Object.fromEntries(rows.map((row) => [row.kind, row.n]));
}

const gate = (check: GateCheck, name: string) => check.results.find((result) => result.gate === name);

describe('validation windows and migration gates over the real transports', () => {
  it('pass when Realtime delivers everything, and one viewer’s forged reports move nothing', { timeout: 90_000 }, async () => {
    const viewerId = randomUUID();
    const probe = await startAt([{ type: 'set-stage', stage: '50' }, { type: 'set-override', userId: viewerId, cohort: 'realtime' }]);
    const viewer = await userToken({ sub: viewerId });
    const post = (body: unknown) => samplesRoute(apiRequest('/api/validation/samples', { token: viewer, body }));
    try {
      await warmUp();
      await burst(PER_MINUTE);
      await probeCaughtUp();
      // Issue 10, reproduction 1: a million Realtime errors from one viewer.
      const forgedErrors = await post({ observer: 'tab-not-really-a-tab', cohort: 'realtime', browser: 'chrome', clock_offset_ms: 0, errors: { legacy: 0, realtime: 1_000_000 }, samples: [] });
      expect(await errorOf(forgedErrors)).toMatchObject({ status: 422, code: 'implausible_evidence', message: expect.stringContaining('errors.realtime') });
      // …and 420 made-up legacy + Realtime pairs for real events, digest deadbeef, with coverage claimed.
      const { rows } = await db().query<{ event_id: string; id: string; ms: string }>(
        'select event_id::text, id, floor(extract(epoch from emitted_at) * 1000)::bigint as ms from public.cache_metrics order by id limit 420 offset 1000',
      );
      const from = Number(rows[0]?.ms) - 5_000;
      const pairs = rows.flatMap((row, seq) =>
        (['legacy', 'realtime'] as const).map((transport) => ({ event_id: row.event_id, id: Number(row.id), stream: 'cache_metrics', transport, lane: transport === 'realtime' ? 'primary' : 'shadow', received_at: Number(row.ms) + 3, emitted_at: Number(row.ms), digest: 'deadbeefdeadbeef', seq })),
      );
      const fabricated = await post({
        observer: 'tab-padding-padding',
        cohort: 'realtime',
        browser: 'chrome',
        clock_offset_ms: 0,
        coverage: [
          { transport: 'realtime', lane: 'primary', from, to: null },
          { transport: 'legacy', lane: 'shadow', from, to: null },
        ],
        seen_through: Date.now(),
        samples: pairs,
      });
      expect(fabricated.status).toBe(202);
    } finally {
      await finish(probe);
    }
    expect((await analyseAll()).minutes).toBeGreaterThan(0);
    expect(await kinds()).toEqual({ observer_disagrees: 420 });
    const check = await checkGates(db());
    const consistency = gate(check, 'consistency');
    expect(consistency).toMatchObject({ status: 'pass', severe: false });
    // The gate rests on the probe's evidence alone; the fabricated "matches" padded nothing.
    expect(consistency?.evidence?.probe.n).toBeGreaterThanOrEqual(PER_MINUTE);
    expect(consistency?.value).toContain(`n = ${consistency?.evidence?.probe.n}`);
    expect(gate(check, 'error-rate')?.status).toBe('pass');
    expect(check.outliers.map((o) => o.subject)).toEqual([viewerId]);
    const tick = await runGateTick(db());
    expect(tick.action.kind).not.toBe('rollback');
    const { rows: quarantined } = await db().query('select subject from public.validation_quarantine where released_at is null');
    expect(quarantined).toEqual([{ subject: viewerId }]);
    const { rows: refused } = await db().query('select code, count from public.validation_rejections where subject = $1', [viewerId]);
    expect(refused).toEqual([{ code: 'implausible_errors', count: 1 }]);
  });

  it(`find ~1 % missing on Realtime under a 1 % delivery fault, and roll back only once the breach persisted ${FAILURE_LIMIT} analysed minutes`, { timeout: 150_000 }, async () => {
    const probe = await startAt([{ type: 'set-stage', stage: '50' }]);
    try {
      await earlyInAMinute();
      await warmUp();
      realtime.realtime.faults.dropPostgresChangesRate(0.01);
      await burst(PER_MINUTE);
      await probeCaughtUp();
      await nextMinute();
      await burst(PER_MINUTE);
    } finally {
      realtime.realtime.faults.dropPostgresChangesRate(0);
      await finish(probe);
    }
    const windows = async (strategy = 'postgres_changes') =>
      (
        await db().query<{ compared: number; missing: number }>(
          "select sum((counts ->> 'compared')::int)::int as compared, sum((counts ->> 'missingCandidate')::int)::int as missing from public.validation_windows where strategy = $1",
          [strategy],
        )
      ).rows[0];

    // First measurement: one analysed minute fails; the runner waits for the breach to persist.
    expect((await analyseOneMinute()).minutes).toBe(1);
    const first = await runGateTick(db());
    expect(gate(first, 'consistency')?.status).toBe('fail');
    expect(first.action).toEqual({ kind: 'none', note: `breach 1 of ${FAILURE_LIMIT}: acting only if it persists` });
    expect((await loadConfig(db())).stage).toBe('50');
    // The same evidence again is not a new measurement.
    expect((await runGateTick(db())).action).toMatchObject({ kind: 'none' });
    expect((await loadConfig(db())).stage).toBe('50');

    // Second measurement: the next minute fails too — now it acts.
    expect((await analyseOneMinute()).minutes).toBe(1);
    const totals = await windows();
    expect(totals?.compared).toBeGreaterThanOrEqual(2 * GATE_THRESHOLDS.minCompared);
    // 1 % of ~6,500 is 65; ±4 standard deviations is 33–97.
    expect((totals?.missing ?? 0) / (totals?.compared ?? 1)).toBeGreaterThan(0.005);
    expect((totals?.missing ?? 0) / (totals?.compared ?? 1)).toBeLessThan(0.016);
    expect(Object.keys(await kinds())).toEqual(['missing_candidate']);
    // The fault is on postgres_changes: the probe's broadcast lane, judged on the same events, lost nothing.
    const broadcastLane = await windows('broadcast');
    expect(broadcastLane?.compared).toBeGreaterThanOrEqual(2 * GATE_THRESHOLDS.minCompared);
    expect(broadcastLane?.missing).toBe(0);
    const { rows: lanesFlagged } = await db().query<{ strategy: string }>('select distinct strategy from public.validation_discrepancies');
    expect(lanesFlagged).toEqual([{ strategy: 'postgres_changes' }]);
    const second = await checkGates(db());
    const consistency = gate(second, 'consistency');
    expect(consistency?.status).toBe('fail');
    // Severity is the failing measurement's own (its stretch of evidence), as the runner acts on it.
    expect(second.nextRunner.failures).toBe(2);
    const to = second.nextRunner.breach?.severe ? 'legacy-only' : '25';
    expect(second.action).toMatchObject({ kind: 'rollback', to, reason: expect.stringContaining('consistency') });
    const tick = await runGateTick(db());
    expect(tick.action).toMatchObject({ kind: 'rollback', to });
    const after = await loadConfig(db());
    expect(after).toMatchObject({ stage: to, highWater: to === '25' ? 25 : 0 });
    const [entry] = await listAudit(db(), 1);
    expect(entry).toMatchObject({ automatic: true, actorEmail: 'gate-runner (automatic)', action: `ROLLBACK to ${to}`, toVersion: after.version });
    expect(entry?.reason).toMatch(/^automatic rollback: consistency.*persisted over 2 consecutive measurements$/);
  });

  it('judges Realtime against the stored rows once the legacy feed is off, and a kill-switch round trip moves nobody backwards', { timeout: 90_000 }, async () => {
    const probe = await startAt([{ type: 'set-stage', stage: 'decommissioned' }]);
    const toggle = async (killSwitch: boolean) => {
      await changeConfig(db(), { actor: { id: null, email: 'test' }, commands: [{ type: 'set-kill-switch', killSwitch }], reason: 'drill' });
      invalidateRolloutConfig();
    };
    try {
      await warmUp(REALTIME_LANES);
      // Legacy off: ingest does not publish to it; the probe's legacy lanes stay silent.
      await burst(1_500, REALTIME_LANES);
      await toggle(true);
      await burst(1_000);
      await toggle(false);
      await burst(1_500, REALTIME_LANES);
    } finally {
      await finish(probe);
    }
    expect((await analyseAll()).minutes).toBeGreaterThan(0);
    expect(await kinds()).toEqual({});
    const check = await checkGates(db());
    expect(gate(check, 'consistency')).toMatchObject({ status: 'pass' });
    const { rows } = await db().query<{ against: number }>("select sum((counts ->> 'againstSource')::int)::int as against from public.validation_windows where trusted");
    expect(rows[0]?.against).toBeGreaterThan(2_000);
    const tick = await runGateTick(db());
    expect(tick.action.kind).toBe('none');
    expect(await loadConfig(db())).toMatchObject({ stage: 'decommissioned', killSwitch: false });
  });
});
