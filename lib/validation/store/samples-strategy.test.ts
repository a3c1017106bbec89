import { describe, expect, it } from 'vitest';
import { db } from '@/lib/db/pool';
import { changeConfig } from '@/lib/rollout/server/config-store';
import { invalidateRolloutConfig } from '@/lib/rollout/server/server-config';
import { errorOf, serviceRoleKey } from '@/test-support/api';
import { samplesRouteKit } from '@/test-support/samples-route';

// Issue 13: each Realtime strategy is a lane of its own. A viewer's samples name the strategy
// that delivered them; the server checks that claim against its own decision for the viewer,
// as it checks the cohort and the lane.

const { userIn, sample, batch, post } = samplesRouteKit();

/**
 * A shadow-cohort viewer whose Realtime strategy is broadcast (a per-user override, as an admin
 * sets it), for longer than the minute in which the server still accepts a viewer's previous
 * strategy (a tab switching live reports its old lane a little longer).
 */
async function broadcastViewer() {
  const viewer = await userIn('shadow');
  await changeConfig(db(), { actor: { id: null, email: 'test' }, commands: [{ type: 'set-strategy-override', userId: viewer.sub, strategy: 'broadcast' }], reason: 'test strategy' });
  await db().query("update public.rollout_audit set at = at - interval '2 minutes'");
  invalidateRolloutConfig();
  return viewer;
}

const storedStrategies = async (observer: string) =>
  (await db().query<{ transport: string; strategy: string | null }>("select transport, strategy from public.validation_samples where observer like '%:' || $1 order by id", [observer])).rows;

describe('the Realtime strategy a sample claims', () => {
  it('refuses a strategy that contradicts the server’s decision for the viewer, 422 naming the field, and stores nothing', async () => {
    const viewer = await broadcastViewer();
    const claims = [
      { body: batch({ samples: [sample({ strategy: 'postgres_changes' })] }), field: 'samples[0].strategy' },
      // No strategy named is postgres_changes: still not this viewer's.
      { body: batch({ samples: [sample({ strategy: 'broadcast' }), sample({}, 1)] }), field: 'samples[1].strategy' },
      { body: batch({ coverage: [{ transport: 'realtime', lane: 'shadow', strategy: 'postgres_changes', from: Date.now() - 1_000, to: null }] }), field: 'coverage[0].strategy' },
      { body: batch({ samples: [sample({ transport: 'legacy', lane: 'primary', strategy: 'broadcast' })] }), field: 'samples[0].strategy' },
      { body: batch({ errors: { legacy: 0, realtime: 1, strategies: { postgres_changes: 1 } } }), field: 'errors.strategies.postgres_changes' },
    ];
    for (const { body, field } of claims) {
      const refused = await errorOf(await post(body, viewer.token));
      expect(refused).toMatchObject({ status: 422, code: 'implausible_evidence' });
      expect(refused.message.startsWith(`${field}:`), `${refused.message} names ${field}`).toBe(true);
      expect(await storedStrategies(String(body.observer))).toEqual([]);
    }
    const { rows } = await db().query<{ code: string; count: number }>('select code, count from public.validation_rejections where subject = $1', [viewer.sub]);
    expect(rows).toEqual([{ code: 'wrong_strategy', count: claims.length }]);
  });

  it('accepts the previous strategy for a minute after a viewer was switched (its tab moves over live)', async () => {
    const viewer = await userIn('shadow');
    await db().query("update public.rollout_audit set at = at - interval '2 minutes'");
    await changeConfig(db(), { actor: { id: null, email: 'test' }, commands: [{ type: 'set-strategy-override', userId: viewer.sub, strategy: 'broadcast' }], reason: 'switch now' });
    invalidateRolloutConfig();
    for (const strategy of ['postgres_changes', 'broadcast']) expect((await post(batch({ samples: [sample({ strategy })] }), viewer.token)).status).toBe(202);
  });

  it('stores the strategy the viewer is on, and the probe’s two Realtime lanes apart', async () => {
    const viewer = await broadcastViewer();
    const mine = batch({ samples: [sample({ strategy: 'broadcast' }), sample({ transport: 'legacy', lane: 'primary' })], errors: { legacy: 0, realtime: 2 } });
    expect((await post(mine, viewer.token)).status).toBe(202);
    expect(await storedStrategies(String(mine.observer))).toEqual([
      { transport: 'realtime', strategy: 'broadcast' },
      { transport: 'legacy', strategy: null },
    ]);

    const probe = batch({
      cohort: 'probe',
      browser: 'node',
      errors: { legacy: 0, realtime: 3, strategies: { broadcast: 3 } },
      samples: [sample({ strategy: 'postgres_changes' }), sample({ strategy: 'broadcast' }), sample({ transport: 'legacy', lane: 'primary' })],
    });
    expect((await post(probe, await serviceRoleKey())).status).toBe(202);
    expect(await storedStrategies(String(probe.observer))).toEqual([
      { transport: 'realtime', strategy: 'postgres_changes' },
      { transport: 'realtime', strategy: 'broadcast' },
      { transport: 'legacy', strategy: null },
    ]);
    // Each lane's error rate: its own errors over its own deliveries (the viewer's unsplit errors count on its one strategy).
    const { rows } = await db().query<{ observer: string; by_strategy: unknown }>('select observer, by_strategy from public.validation_errors where observer like any($1) order by id', [
      [`%:${String(mine.observer)}`, `%:${String(probe.observer)}`],
    ]);
    expect(rows.map((row) => row.by_strategy)).toEqual([{ broadcast: { errors: 2, deliveries: 1 } }, { broadcast: { errors: 3, deliveries: 1 }, postgres_changes: { errors: 0, deliveries: 1 } }]);
  });

  it('refuses Realtime errors split by strategy that do not add up', async () => {
    const refused = await errorOf(await post(batch({ cohort: 'probe', browser: 'node', errors: { legacy: 0, realtime: 3, strategies: { broadcast: 1, postgres_changes: 1 } } }), await serviceRoleKey()));
    expect(refused).toMatchObject({ status: 422, code: 'implausible_evidence' });
    expect(refused.message).toMatch(/^errors\.strategies: /);
  });
});
