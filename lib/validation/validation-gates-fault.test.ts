import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POST as ingestRoute } from '@/app/api/ingest/route';
import { POST as samplesRoute } from '@/app/api/validation/samples/route';
import { db } from '@/lib/db/pool';
import { legacyPublisher } from '@/lib/ingest/legacy-publisher';
import { ingestRequest, metric, event, setTestEnv, TEST_JWT_SECRET, TEST_PUBLISH_KEY } from '@/lib/ingest/ingest-test-kit';
import { GATE_THRESHOLDS } from '@/lib/migration/gates';
import { checkGates, runGateTick, type GateCheck } from '@/lib/migration/gate-runner';
import { changeConfig, listAudit, loadConfig } from '@/lib/rollout/config-store';
import { serveRoute, type ServedRoute } from '@/lib/testing/serve-route';
import { waitFor } from '@/lib/testing/wait-for';
import { analyzeClosedMinutes } from '@/lib/validation/window-analysis';
import { startLegacyServer, type LegacyServer } from '@/servers/legacy-ws/legacy-server';
import { startRealtimeServer, type RealtimeServer } from '@/servers/local-supabase/realtime/start-realtime-server';
import { signApiKey } from '@/servers/local-supabase/secrets';
import { startProbe, type Probe } from '@/servers/probe/probe';
import { startThrowawayPostgres, type ThrowawayPostgres } from '@/servers/testing/throwaway-postgres';

// The whole validation loop, for real: ingest route → Postgres → local Realtime (logical
// replication) and the legacy feed → the headless probe (official clients, both transports
// plus the legacy noise baseline) → the samples route over HTTP → window analysis → gates →
// the gate runner's automatic rollback. The fault is the Realtime server's own: it drops a
// share of postgres_changes deliveries.
const EVENTS = 4_000;
const PER_BATCH = 250;

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

async function sampleCount(eventId: string): Promise<Record<string, number>> {
  const { rows } = await db().query<{ lane: string; n: number }>('select transport || \':\' || lane as lane, count(*)::int as n from public.validation_samples where event_id = $1 group by 1', [eventId]);
  return Object.fromEntries(rows.map((row) => [row.lane, row.n]));
}

interface RunResult {
  check: GateCheck;
  compared: number;
  missingCandidate: number;
  otherDiscrepancies: number;
  baselineDiscrepancies: number;
}

/**
 * Starts at stage 50, lets the probe watch `EVENTS` ingested events with Realtime dropping
 * `dropRate` of its deliveries, then analyses the closed minutes and checks the gates.
 */
async function observe(dropRate: number): Promise<RunResult> {
  await db().query(
    'truncate public.validation_samples, public.validation_errors, public.validation_windows, public.validation_discrepancies, public.validation_progress, public.rollout_config, public.rollout_audit',
  );
  await changeConfig(db(), { actor: { id: null, email: 'test' }, commands: [{ type: 'set-stage', stage: '50' }], reason: 'under test' });
  // Stage 50 has been running for a while: the minutes observed below are all its own.
  await db().query("update public.rollout_config set config = jsonb_set(config, '{stageSince}', to_jsonb($1::text))", [new Date(Date.now() - 5 * 60_000).toISOString()]);

  const probe: Probe = await startProbe({
    supabaseUrl: realtime.url,
    anonKey,
    jwtSecret: TEST_JWT_SECRET,
    legacyWsUrl: legacy.feedUrl,
    samplesUrl: `${samplesApp.origin}/api/validation/samples`,
    serviceRoleKey: serviceKey,
  });
  try {
    await waitFor(async () => Object.values(probe.stats().lanes).every((lane) => lane.phase === 'live'), 'every probe lane live', 15_000);
    realtime.realtime.faults.dropPostgresChangesRate(dropRate);
    for (let sent = 0; sent < EVENTS; sent += PER_BATCH) {
      const response = await ingestRoute(ingestRequest({ metrics: Array.from({ length: PER_BATCH - 10 }, () => metric()), events: Array.from({ length: 10 }, () => event()) }));
      expect(response.status).toBe(200);
    }
    realtime.realtime.faults.dropPostgresChangesRate(0);
    // A sentinel after the fault: Realtime delivers in commit order, so once the probe
    // reported it on every lane, every earlier event was delivered or dropped.
    const sentinel = metric();
    expect((await ingestRoute(ingestRequest({ metrics: [sentinel] }))).status).toBe(200);
    await waitFor(
      async () => {
        const lanes = await sampleCount(String(sentinel.event_id));
        return lanes['legacy:primary'] === 1 && lanes['legacy:baseline'] === 1 && lanes['realtime:shadow'] === 1;
      },
      'the sentinel on all three probe lanes',
      30_000,
    );
    await waitFor(async () => probe.stats().lanes.legacy?.events === EVENTS + 1 && probe.stats().lanes['legacy-baseline']?.events === EVENTS + 1, `${EVENTS + 1} events on both legacy lanes`, 10_000);
  } finally {
    await probe.close();
  }
  expect(probe.stats().sampler).toMatchObject({ buffered: 0, dropped: 0, failedBatches: 0, lastError: null });

  // A `now` past the grace period closes the current minute at once.
  const analysed = await analyzeClosedMinutes(db(), { now: Date.now() + 3 * 60_000 });
  expect(analysed.minutes).toBeGreaterThan(0);
  const { rows } = await db().query<{ kind: string; n: number }>('select kind, count(*)::int as n from public.validation_discrepancies group by kind');
  const kinds = Object.fromEntries(rows.map((row) => [row.kind, row.n]));
  const windows = await db().query<{ compared: number; baseline: number }>(
    "select sum((counts -> 'candidate' ->> 'compared')::int)::int as compared, sum((counts -> 'baseline' ->> 'discrepancies')::int)::int as baseline from public.validation_windows",
  );
  return {
    check: await checkGates(db()),
    compared: windows.rows[0]?.compared ?? 0,
    missingCandidate: kinds.missing_candidate ?? 0,
    otherDiscrepancies: (kinds.missing_control ?? 0) + (kinds.mismatch ?? 0),
    baselineDiscrepancies: windows.rows[0]?.baseline ?? 0,
  };
}

const gate = (check: GateCheck, name: string) => check.results.find((result) => result.gate === name);

describe('validation windows and migration gates over the real transports', () => {
  it('pass consistency when Realtime delivers everything', { timeout: 60_000 }, async () => {
    const run = await observe(0);
    expect(run.compared).toBe(EVENTS + 1);
    expect({ missing: run.missingCandidate, other: run.otherDiscrepancies, baseline: run.baselineDiscrepancies }).toEqual({ missing: 0, other: 0, baseline: 0 });
    expect(gate(run.check, 'consistency')).toMatchObject({ status: 'pass', severe: false });
    expect(gate(run.check, 'error-rate')?.status).toBe('pass');
    // (Latency depends on the machine's load, so only the consistency side is asserted here.)
    const tick = await runGateTick(db());
    expect(tick.action).not.toMatchObject({ kind: 'rollback', reason: expect.stringContaining('consistency') });
  });

  it('find ~1 % missing on Realtime under a 1 % delivery fault, fail consistency and roll back automatically', { timeout: 60_000 }, async () => {
    const run = await observe(0.01);
    expect(run.compared).toBe(EVENTS + 1);
    expect(run.compared).toBeGreaterThanOrEqual(GATE_THRESHOLDS.minCompared);
    // 1 % of 4,001 is 40; ±4 standard deviations is 15–65.
    expect(run.missingCandidate / run.compared).toBeGreaterThan(0.004);
    expect(run.missingCandidate / run.compared).toBeLessThan(0.017);
    expect({ other: run.otherDiscrepancies, baseline: run.baselineDiscrepancies }).toEqual({ other: 0, baseline: 0 });
    const consistency = gate(run.check, 'consistency');
    expect(consistency?.status).toBe('fail');
    expect(run.check.verdict).toBe('fail');
    const to = consistency?.severe ? 'legacy-only' : '25';
    expect(run.check.action).toMatchObject({ kind: 'rollback', to, reason: expect.stringContaining('consistency') });

    const tick = await runGateTick(db());
    expect(tick.action).toMatchObject({ kind: 'rollback', to });
    const after = await loadConfig(db());
    expect(after).toMatchObject({ stage: to, highWater: to === '25' ? 25 : 0 });
    const [entry] = await listAudit(db(), 1);
    expect(entry).toMatchObject({ automatic: true, actorEmail: 'gate-runner (automatic)', action: `ROLLBACK to ${to}`, toVersion: after.version });
    expect(entry?.reason).toMatch(/^automatic rollback: consistency/);
  });
});
