import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startThrowawayPostgres, tolerateShutdown, type ThrowawayPostgres } from '@/test-support/throwaway-postgres';
import { changeConfig, ConfigConflictError, listAudit, loadConfig } from '@/lib/rollout/server/config-store';
import { DEFAULT_CONFIG } from '@/lib/rollout/config';

const admin = { id: '00000000-0000-4000-8000-00000000a001', email: 'admin@switchyard.local' };

describe('rollout config store', () => {
  let db: ThrowawayPostgres;
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await startThrowawayPostgres();
    pool = tolerateShutdown(new pg.Pool({ connectionString: db.databaseUrl }));
  });
  afterAll(async () => {
    await pool?.end();
    await db?.stop();
  });

  it('starts from the default config (everyone on legacy)', async () => {
    expect(await loadConfig(pool)).toEqual(DEFAULT_CONFIG);
  });

  it('applies a change with a new version and an audit entry (who, before → after, why)', async () => {
    const change = await changeConfig(pool, { actor: admin, commands: [{ type: 'set-stage', stage: '25' }], reason: 'shadow run clean for a week' });
    expect(change.after).toMatchObject({ version: 2, stage: '25', percentage: 25, highWater: 25, updatedBy: admin.email });
    expect(await loadConfig(pool)).toEqual(change.after);
    const [entry] = await listAudit(pool, 1);
    expect(entry).toMatchObject({ actorEmail: admin.email, action: 'stage → 25', reason: 'shadow run clean for a week', fromVersion: 1, toVersion: 2, automatic: false });
  });

  it('refuses an edit made against a stale version and stores nothing', async () => {
    const current = await loadConfig(pool);
    await expect(
      changeConfig(pool, { actor: admin, commands: [{ type: 'set-kill-switch', killSwitch: true }], reason: 'x', expectedVersion: current.version - 1 }),
    ).rejects.toBeInstanceOf(ConfigConflictError);
    expect(await loadConfig(pool)).toEqual(current);
  });

  it('stores nothing when a command produces an invalid config', async () => {
    const current = await loadConfig(pool);
    const auditBefore = (await listAudit(pool, 100)).length;
    await expect(
      changeConfig(pool, { actor: admin, commands: [{ type: 'set-override', userId: 'u1', cohort: 'realtime' }, { type: 'set-percentage', percentage: 101 }], reason: 'bad' }),
    ).rejects.toThrow();
    expect(await loadConfig(pool)).toEqual(current);
    expect((await listAudit(pool, 100)).length).toBe(auditBefore);
  });

  it('serialises concurrent changes: none is lost', async () => {
    const start = (await loadConfig(pool)).version;
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => changeConfig(pool, { actor: admin, commands: [{ type: 'set-override', userId: `user-${i}`, cohort: 'realtime' }], reason: `override ${i}` })),
    );
    const config = await loadConfig(pool);
    expect(config.version).toBe(start + 8);
    expect(Object.keys(config.overrides).filter((id) => id.startsWith('user-'))).toHaveLength(8);
  });

  it('notifies listeners of every saved change', async () => {
    const listener = new pg.Client({ connectionString: db.databaseUrl });
    await listener.connect();
    await listener.query('listen rollout_config');
    const notified = new Promise<string | undefined>((resolve) => listener.once('notification', (message) => resolve(message.payload)));
    const change = await changeConfig(pool, { actor: admin, commands: [{ type: 'set-ratchet', ratchet: false }], reason: 'test' });
    expect(await notified).toBe(String(change.after.version));
    await listener.end();
  });
});
