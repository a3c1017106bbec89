import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GET as getGates } from '@/app/api/migration/gates/route';
import { GET as getConfig, POST as postConfig } from '@/app/api/rollout/config/route';
import { GET as getExplain } from '@/app/api/rollout/explain/route';
import { POST as postPreview } from '@/app/api/rollout/preview/route';
import { db } from '@/lib/db/pool';
import { setTestEnv } from '@/test-support/ingest';
import type { BlastRadius } from '@/lib/rollout/blast-radius';
import type { RolloutConfig } from '@/lib/rollout/config';
import type { AuditEntry } from '@/lib/rollout/server/config-store';
import type { Decision, RolloutSubject } from '@/lib/rollout/evaluate';
import { apiRequest, DEMO, errorOf, userToken } from '@/test-support/api';
import { startThrowawayPostgres, type ThrowawayPostgres } from '@/test-support/throwaway-postgres';

let postgres: ThrowawayPostgres;
let admin: string;

beforeAll(async () => {
  postgres = await startThrowawayPostgres();
  setTestEnv({ databaseUrl: postgres.databaseUrl, publishUrl: 'http://127.0.0.1:9/internal/publish' });
  admin = await userToken({ role: 'admin', sub: DEMO.admin.id, email: DEMO.admin.email });
});

// Every test starts from the default config with an empty audit log and no validation data.
beforeEach(async () => {
  await db().query('truncate public.rollout_config, public.rollout_audit, public.validation_windows, public.validation_errors');
});

afterAll(async () => {
  await db().end();
  await postgres?.stop();
});

type Overview = { config: RolloutConfig; audit: AuditEntry[] };

function deep(levels: number): unknown {
  let value: unknown = true;
  for (let i = 0; i < levels; i += 1) value = [value];
  return value;
}

async function overview(): Promise<Overview> {
  const response = await getConfig(apiRequest('/api/rollout/config', { token: admin }));
  expect(response.status).toBe(200);
  return (await response.json()) as Overview;
}

function change(body: unknown): Promise<Response> {
  return postConfig(apiRequest('/api/rollout/config', { token: admin, body }));
}

/** Saves through the API at the current version and returns the new config. */
async function save(commands: unknown[], reason = 'test setup', options: { force?: boolean } = {}): Promise<RolloutConfig> {
  const response = await change({ commands, reason, expectedVersion: (await overview()).config.version, ...(options.force ? { force: true } : {}) });
  expect(response.status).toBe(200);
  return ((await response.json()) as { config: RolloutConfig }).config;
}

async function stored(): Promise<{ version: number; audits: number }> {
  const { rows } = await db().query<{ version: number | null; audits: number }>(
    'select (select version from public.rollout_config where id = 1) as version, (select count(*)::int from public.rollout_audit) as audits',
  );
  return { version: rows[0]?.version ?? 1, audits: rows[0]?.audits ?? 0 };
}

describe('POST /api/rollout/config', () => {
  it('saves a change with an audit entry naming who, what, why and the versions', async () => {
    // A tester override (≤ 5 users) and a plan change move nobody past the gates' reach: saved as is.
    const response = await change({ commands: [{ type: 'set-plan', plan: 'team' }, { type: 'set-override', userId: DEMO.ops.id, cohort: 'realtime' }], reason: 'try it on ops', expectedVersion: 1 });
    expect(response.status).toBe(200);
    const { config } = (await response.json()) as { config: RolloutConfig };
    expect(config).toMatchObject({ version: 2, stage: 'legacy-only', plan: 'team', overrides: { [DEMO.ops.id]: 'realtime' }, updatedBy: DEMO.admin.email });

    const { config: reread, audit } = await overview();
    expect(reread).toEqual(config);
    expect(audit).toEqual([
      {
        id: expect.any(Number),
        at: expect.any(String),
        actorEmail: DEMO.admin.email,
        action: `Supabase plan → team; override ${DEMO.ops.id} → realtime`,
        reason: 'try it on ops',
        automatic: false,
        fromVersion: 1,
        toVersion: 2,
        changes: [
          { field: 'plan', before: 'pro', after: 'team' },
          { field: 'override ' + DEMO.ops.id, before: '–', after: 'realtime' },
        ],
      },
    ]);
    // Once the app has seen the user, the log names them by email, not by id.
    await db().query(
      "insert into public.rollout_subjects (user_id, email, role, browser, last_cohort, last_config_version) values ($1, $2, 'viewer', 'chrome', 'legacy', 1) on conflict (user_id) do update set email = excluded.email",
      [DEMO.ops.id, DEMO.ops.email],
    );
    const [named] = (await overview()).audit;
    expect(named).toMatchObject({ action: `Supabase plan → team; override ${DEMO.ops.email} → realtime`, changes: [{ field: 'plan' }, { field: `override ${DEMO.ops.email}`, before: '–', after: 'realtime' }] });
    const { rows } = await db().query<{ actor_id: string; before: RolloutConfig; after: RolloutConfig }>('select actor_id, before, after from public.rollout_audit');
    expect(rows[0]).toMatchObject({ actor_id: DEMO.admin.id, before: { plan: 'pro', version: 1 }, after: { plan: 'team', version: 2 } });
  });

  it('answers 409 conflict to a stale expectedVersion and stores nothing', async () => {
    await save([{ type: 'set-stage', stage: 'shadow' }], 'test setup', { force: true });
    const before = await stored();
    const response = await change({ commands: [{ type: 'set-kill-switch', killSwitch: true }], reason: 'edited an old copy', expectedVersion: 1 });
    expect(await errorOf(response)).toEqual({ status: 409, code: 'conflict', message: expect.stringMatching(/version 2.*version 1/) });
    expect(await stored()).toEqual(before);
    expect((await overview()).config.killSwitch).toBe(false);
  });

  it('answers 400 validation_failed naming the field, and stores nothing', async () => {
    const cases: Array<{ body: unknown; field: string }> = [
      { body: { commands: [{ type: 'set-percentage', percentage: 150 }], reason: 'too much', expectedVersion: 1 }, field: 'commands[0].percentage' },
      { body: { commands: [{ type: 'set-percentage', percentage: 12.345 }], reason: 'too fine', expectedVersion: 1 }, field: 'commands[0].percentage' },
      { body: { commands: [{ type: 'set-stage', stage: '30' }], reason: 'no such stage', expectedVersion: 1 }, field: 'commands[0].stage' },
      { body: { commands: [{ type: 'launch-rockets' }], reason: 'unknown command', expectedVersion: 1 }, field: 'commands[0].type' },
      { body: { commands: [{ type: 'set-kill-switch', killSwitch: true, extra: 1 }], reason: 'extra key', expectedVersion: 1 }, field: 'commands[0]' },
      { body: { commands: [{ type: 'set-override', userId: '', cohort: 'realtime' }], reason: 'empty user', expectedVersion: 1 }, field: 'commands[0].userId' },
      { body: { commands: [{ type: 'upsert-segment', segment: { id: 'Bad Id!', name: 'x', cohort: 'realtime', rule: {} } }], reason: 'bad segment id', expectedVersion: 1 }, field: 'commands[0].segment.id' },
      { body: { commands: [], reason: 'nothing to do', expectedVersion: 1 }, field: 'commands' },
      { body: { commands: [{ type: 'set-kill-switch', killSwitch: true }], reason: 'no', expectedVersion: 1 }, field: 'reason' },
      { body: { commands: [{ type: 'set-kill-switch', killSwitch: true }], expectedVersion: 1 }, field: 'reason' },
      { body: { commands: [{ type: 'set-kill-switch', killSwitch: true }], reason: 'no version' }, field: 'expectedVersion' },
      { body: { commands: [{ type: 'set-kill-switch', killSwitch: true }], reason: 'forced how?', expectedVersion: 1, force: 'yes' }, field: 'force' },
      { body: { commands: [{ type: 'set-override', userId: 'u'.repeat(129), cohort: 'realtime' }], reason: 'id too long', expectedVersion: 1 }, field: 'commands[0].userId' },
      { body: { commands: [{ type: 'set-kill-switch', killSwitch: true }], reason: 'a NUL \u0000 in the reason', expectedVersion: 1 }, field: 'reason' },
      { body: { commands: [{ type: 'upsert-segment', segment: { id: 'seg', name: 'lone \ud800', cohort: 'realtime', rule: {} } }], reason: 'lone surrogate', expectedVersion: 1 }, field: 'commands[0].segment.name' },
      { body: { commands: [{ type: 'set-kill-switch', killSwitch: true }], reason: 'too deep', expectedVersion: 1, force: deep(70) }, field: 'force[0][0][0][0][0][0][0]…' },
    ];
    for (const { body, field } of cases) {
      const { status, code, message } = await errorOf(await change(body));
      expect({ field, status, code }).toEqual({ field, status: 400, code: 'validation_failed' });
      expect(message).toContain(`${field}:`);
    }
    expect(await stored()).toEqual({ version: 1, audits: 0 });
  });

  it('stores and audits the largest change the schema allows: 20 overrides with 128-character ids', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `${String(i).padStart(2, '0')}${'u'.repeat(126)}`);
    // 20 users onto Realtime at once is an override batch: gated, so forced — the audit keeps the full 500-character reason behind what it went past.
    const response = await change({ commands: ids.map((userId) => ({ type: 'set-override', userId, cohort: 'realtime' })), reason: 'r'.repeat(500), expectedVersion: 1, force: true });
    expect(response.status).toBe(200);
    const [entry] = (await overview()).audit;
    expect(entry?.action).toBe(ids.map((id) => `override ${id} → realtime`).join('; '));
    expect(entry?.reason).toMatch(/^FORCED past gates .*20 overrides onto Realtime at once.*r{500}$/);
    expect(Object.keys(((await response.json()) as { config: RolloutConfig }).config.overrides)).toHaveLength(20);
  });

  it('stores and audits 20 of the longest segment commands too', async () => {
    const segments = Array.from({ length: 20 }, (_, i) => ({ id: `s${String(i).padStart(2, '0')}${'x'.repeat(37)}`, name: 'n'.repeat(80), enabled: false, cohort: 'realtime', rule: {} }));
    const response = await change({ commands: segments.map((segment) => ({ type: 'upsert-segment', segment })), reason: 'many segments', expectedVersion: 1 });
    expect(response.status).toBe(200);
    expect((await overview()).audit[0]?.action).toHaveLength(20 * `segment ${segments[0]!.id} (${segments[0]!.name}) → realtime [disabled]`.length + 19 * 2);
  });

  it('refuses bodies that are not JSON objects with 400 invalid_json or 415, storing nothing', async () => {
    expect(await errorOf(await change('{"commands": ['))).toMatchObject({ status: 400, code: 'invalid_json' });
    const text = await postConfig(apiRequest('/api/rollout/config', { token: admin, body: 'stage=25', contentType: 'text/plain' }));
    expect(await errorOf(text)).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    expect(await stored()).toEqual({ version: 1, audits: 0 });
  });

  it('refuses to advance into a live stage while gates wait for data (409 gate_failed), storing nothing', async () => {
    await save([{ type: 'set-stage', stage: 'shadow' }], 'test setup', { force: true });
    const before = await stored();
    const gates = (await (await getGates(apiRequest('/api/migration/gates', { token: admin }))).json()) as { verdict: string };
    expect(gates.verdict).toBe('wait');
    const response = await change({ commands: [{ type: 'set-stage', stage: '25' }], reason: 'go live', expectedVersion: before.version });
    const error = await errorOf(response);
    expect(error).toMatchObject({ status: 409, code: 'gate_failed' });
    expect(error.message).toMatch(/consistency: waiting for data/);
    expect(await stored()).toEqual(before);
    expect((await overview()).config.stage).toBe('shadow');
  });

  it('treats a "rollback" to a later live stage as an advance: refused while gates wait', async () => {
    await save([{ type: 'set-stage', stage: 'shadow' }], 'test setup', { force: true });
    const before = await stored();
    const response = await change({ commands: [{ type: 'rollback', toStage: '100' }], reason: 'not really a rollback', expectedVersion: before.version });
    expect(await errorOf(response)).toMatchObject({ status: 409, code: 'gate_failed' });
    expect(await stored()).toEqual(before);
    expect((await overview()).config).toMatchObject({ stage: 'shadow', percentage: 0 });
  });

  it('saves a forced advance past waiting gates, audited with a reason starting FORCED', async () => {
    await save([{ type: 'set-stage', stage: 'shadow' }], 'test setup', { force: true });
    const { version } = await stored();
    const response = await change({ commands: [{ type: 'set-stage', stage: '25' }], reason: 'incident drill', expectedVersion: version, force: true });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { config: RolloutConfig }).config).toMatchObject({ stage: '25', percentage: 25, version: version + 1 });
    const [latest] = (await overview()).audit;
    expect(latest?.reason).toMatch(/^FORCED /);
    expect(latest?.reason).toContain('consistency');
    expect(latest?.reason).toMatch(/incident drill$/);
    expect(latest).toMatchObject({ action: 'stage → 25', automatic: false, actorEmail: DEMO.admin.email });
  });

  it('gates shadow too (every user then holds a Realtime connection), and lets moves back down pass without gates', async () => {
    expect(await errorOf(await change({ commands: [{ type: 'set-stage', stage: 'shadow' }], reason: 'start shadowing', expectedVersion: 1 }))).toMatchObject({ status: 409, code: 'gate_failed' });
    await save([{ type: 'set-stage', stage: 'shadow' }], 'test setup', { force: true });
    await change({ commands: [{ type: 'set-stage', stage: '50' }], reason: 'forced up', expectedVersion: 2, force: true });
    const down = await change({ commands: [{ type: 'set-stage', stage: '25' }], reason: 'step back', expectedVersion: 3 });
    expect(down.status).toBe(200);
    expect((await overview()).audit[0]?.reason).toBe('step back');
  });

  it('gates a segment rule that moves users to Realtime: refused while gates wait, saved and audited as FORCED when forced', async () => {
    await save([{ type: 'set-stage', stage: 'shadow' }], 'test setup', { force: true });
    const before = await stored();
    const everyone = { type: 'upsert-segment', segment: { id: 'everyone', name: 'Everyone', cohort: 'realtime', rule: { roles: ['admin', 'viewer'] } } };
    const refused = await change({ commands: [everyone], reason: 'sneak everyone onto Realtime', expectedVersion: before.version });
    const error = await errorOf(refused);
    expect(error).toMatchObject({ status: 409, code: 'gate_failed' });
    expect(error.message).toContain('segment "Everyone" → realtime');
    expect(await stored()).toEqual(before);
    const forced = await change({ commands: [everyone], reason: 'everyone, on purpose', expectedVersion: before.version, force: true });
    expect(forced.status).toBe(200);
    expect((await overview()).audit[0]?.reason).toMatch(/^FORCED past gates .*segment "Everyone" → realtime.*everyone, on purpose$/);
    // A segment that sends users back to legacy needs no gate.
    const back = { type: 'upsert-segment', segment: { id: 'everyone', name: 'Everyone', cohort: 'legacy', rule: { roles: ['admin', 'viewer'] } } };
    expect((await change({ commands: [back], reason: 'undo', expectedVersion: before.version + 1 })).status).toBe(200);
  });

  it('gates a segment that matches users nobody has seen yet (by email domain)', async () => {
    await save([{ type: 'set-stage', stage: 'shadow' }], 'test setup', { force: true });
    const before = await stored();
    const partners = { type: 'upsert-segment', segment: { id: 'partners', name: 'Partners', cohort: 'realtime', rule: { emailDomains: ['partner.example'] } } };
    expect(await errorOf(await change({ commands: [partners], reason: 'partners first', expectedVersion: before.version }))).toMatchObject({ status: 409, code: 'gate_failed' });
    expect(await stored()).toEqual(before);
  });

  it('lets a tester override through, and gates an override batch (more than 5 users at once)', async () => {
    const one = await change({ commands: [{ type: 'set-override', userId: DEMO.viewer.id, cohort: 'realtime' }], reason: 'tester', expectedVersion: 1 });
    expect(one.status).toBe(200);
    const batch = Array.from({ length: 6 }, (_, i) => ({ type: 'set-override', userId: `batch-user-${i}`, cohort: 'realtime' }));
    expect(await errorOf(await change({ commands: batch, reason: 'a batch', expectedVersion: 2 }))).toMatchObject({ status: 409, code: 'gate_failed', message: expect.stringContaining('overrides onto Realtime') });
  });

  it('gates releasing the kill switch while a live stage has no passing gates', async () => {
    await save([{ type: 'set-stage', stage: '50' }], 'test setup', { force: true });
    await save([{ type: 'set-kill-switch', killSwitch: true }]);
    const before = await stored();
    expect(await errorOf(await change({ commands: [{ type: 'set-kill-switch', killSwitch: false }], reason: 'all clear?', expectedVersion: before.version }))).toMatchObject({
      status: 409,
      code: 'gate_failed',
      message: expect.stringContaining('kill switch off'),
    });
    expect(await stored()).toEqual(before);
  });
});

describe('POST /api/rollout/preview', () => {
  type Preview = BlastRadius & { proposed: RolloutConfig; exposure: { known: number; unseen: number; because: string[]; gated: boolean } };

  async function preview(commands: unknown[]): Promise<Preview> {
    const response = await postPreview(apiRequest('/api/rollout/preview', { token: admin, body: { commands } }));
    expect(response.status).toBe(200);
    return (await response.json()) as Preview;
  }

  it('shows who of the known demo users would move, without saving', async () => {
    await save([{ type: 'set-stage', stage: 'shadow' }], 'test setup', { force: true });
    const before = await stored();
    const result = await preview([{ type: 'set-percentage', percentage: 100 }]);
    expect(result.known).toBeGreaterThanOrEqual(3);
    expect(result.before).toMatchObject({ shadow: result.known, realtime: 0 });
    expect(result.after).toMatchObject({ shadow: 0, realtime: result.known });
    const emails = result.moves.map((move) => move.email);
    expect(emails).toEqual(expect.arrayContaining([DEMO.admin.email, DEMO.viewer.email, DEMO.ops.email]));
    expect(result.moves.find((move) => move.userId === DEMO.ops.id)).toEqual({ userId: DEMO.ops.id, email: DEMO.ops.email, from: 'shadow', to: 'realtime' });
    expect(result.transportChanges).toBe(result.known);
    expect(result.bySegment).toMatchObject({ ops: 1, admin: 1 });
    expect(result.proposed).toMatchObject({ percentage: 100, version: before.version });
    expect(result.exposure).toMatchObject({ gated: true, known: result.known, because: expect.arrayContaining(['Realtime share 0 % → 100 %']) });
    expect(await stored()).toEqual(before);
  });

  it('names exactly the overridden user, and everyone for the kill switch', async () => {
    await save([{ type: 'set-stage', stage: 'shadow' }], 'test setup', { force: true });
    const one = await preview([{ type: 'set-override', userId: DEMO.viewer.id, cohort: 'realtime' }]);
    expect(one.moves).toEqual([{ userId: DEMO.viewer.id, email: DEMO.viewer.email, from: 'shadow', to: 'realtime' }]);
    const all = await preview([{ type: 'set-kill-switch', killSwitch: true }]);
    expect(all.moves).toHaveLength(all.known);
    expect(all.after.legacy).toBe(all.known);
    expect(all.transportChanges).toBe(0);
    expect(all.exposure.gated).toBe(false);
  });

  it('answers 400 validation_failed for an invalid command', async () => {
    const response = await postPreview(apiRequest('/api/rollout/preview', { token: admin, body: { commands: [{ type: 'set-percentage', percentage: -1 }] } }));
    expect(await errorOf(response)).toMatchObject({ status: 400, code: 'validation_failed', message: expect.stringContaining('commands[0].percentage') });
  });
});

describe('GET /api/rollout/explain', () => {
  type Explanation = { subject: RolloutSubject; decision: Decision };

  async function explain(user: string): Promise<Response> {
    return getExplain(apiRequest(`/api/rollout/explain?user=${encodeURIComponent(user)}`, { token: admin }));
  }

  it('gives the bucket and the reason for a demo user looked up by email', async () => {
    // Putting users on Realtime is gated; this setup forces past the (empty) gates.
    await save([{ type: 'set-stage', stage: 'shadow' }, { type: 'set-percentage', percentage: 100 }], 'test setup', { force: true });
    const response = await explain(DEMO.viewer.email.toUpperCase());
    expect(response.status).toBe(200);
    const body = (await response.json()) as Explanation;
    expect(body.subject).toMatchObject({ userId: DEMO.viewer.id, email: DEMO.viewer.email, role: 'viewer' });
    expect(body.decision.bucket).toBeGreaterThanOrEqual(0);
    expect(body.decision.bucket).toBeLessThan(10_000);
    expect(body.decision).toMatchObject({ cohort: 'realtime', configVersion: 2, reason: { kind: 'percentage', inPercentage: true, threshold: 10_000 } });
  });

  it('refuses a bigger Realtime share while the gates wait, unless forced', async () => {
    const before = await stored();
    const refused = await change({ commands: [{ type: 'set-stage', stage: 'shadow' }, { type: 'set-percentage', percentage: 40 }], reason: 'more users', expectedVersion: before.version });
    expect(await errorOf(refused)).toMatchObject({ status: 409, code: 'gate_failed' });
    expect(await stored()).toEqual(before);
  });

  it('names the matching segment rule, and the same bucket by user id', async () => {
    await save([{ type: 'set-stage', stage: 'shadow' }, { type: 'upsert-segment', segment: { id: 'ops-team', name: 'Ops team', cohort: 'realtime', rule: { segments: ['ops'] } } }], 'test setup', { force: true });
    const byEmail = (await (await explain(DEMO.ops.email)).json()) as Explanation;
    expect(byEmail.subject.segment).toBe('ops');
    expect(byEmail.decision).toMatchObject({ cohort: 'realtime', reason: { kind: 'segment', segmentId: 'ops-team', segmentName: 'Ops team' } });
    const byId = (await (await explain(DEMO.ops.id)).json()) as Explanation;
    expect(byId.decision.bucket).toBe(byEmail.decision.bucket);
  });

  it('answers 404 for an unknown user and 400 without one', async () => {
    expect(await errorOf(await explain('nobody@example.com'))).toMatchObject({ status: 404, code: 'not_found' });
    const missing = await getExplain(apiRequest('/api/rollout/explain', { token: admin }));
    expect(await errorOf(missing)).toMatchObject({ status: 400, code: 'validation_failed', message: expect.stringContaining('user') });
  });

  it('answers 400 naming the parameter for text Postgres cannot store and for unknown parameters', async () => {
    expect(await errorOf(await explain('nobody\u0000@example.com'))).toMatchObject({ status: 400, code: 'validation_failed', message: expect.stringContaining('user:') });
    const extra = await getExplain(apiRequest(`/api/rollout/explain?user=${encodeURIComponent(DEMO.viewer.email)}&x=1`, { token: admin }));
    expect(await errorOf(extra)).toMatchObject({ status: 400, code: 'validation_failed', message: expect.stringContaining('x:') });
  });
});
