import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExtensionFixture, type ExtensionFixture } from '../../../../test-support/postgres-changes/fixture.js';
import type { RecordedFrame } from '../../../../test-support/postgres-changes/recording-subscriber.js';

const SLOT = 'pc_durability_test';

let fx: ExtensionFixture;
beforeAll(async () => {
  fx = await startExtensionFixture(SLOT);
});
afterAll(async () => {
  await fx?.close();
});

const insertedIds = (frames: RecordedFrame[]) => frames.filter((frame) => frame.data.table === 'pc_full').map((frame) => frame.data.record!.id as number);

/** Inserts one row, retrying while Postgres is still coming back (bounded). */
async function insertRow(id: number): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await fx.sql('insert into public.pc_full (id) values ($1)', [id]);
      return;
    } catch (error) {
      if (attempt > 100 || (error as { code?: string }).code === '23505') throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Inserts (binary pgoutput messages) still pending in the slot, read while no one streams from it. */
async function pendingInsertsInSlot(): Promise<number> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      const result = await fx.sql(
        `select count(*)::int as inserts from pg_logical_slot_peek_binary_changes($1, null, null, 'proto_version', '1', 'publication_names', 'supabase_realtime')
         where get_byte(data, 0) = 73`,
        [SLOT],
      );
      return (result.rows[0] as { inserts: number }).inserts;
    } catch (error) {
      // The previous walsender may still hold the slot for a moment after close().
      if (attempt > 100 || (error as { code?: string }).code !== '55006') throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe('postgres_changes durability (permanent slot)', () => {
  it('loses nothing and sends nothing twice to a subscriber across a Postgres restart', async () => {
    const ids = fx.ids(40);
    const sub = await fx.subscribe([{ event: 'INSERT', schema: 'public', table: 'pc_full', filter: `id=gte.${ids[0]}` }]);
    for (const id of ids.slice(0, 20)) await insertRow(id);
    await fx.db.restart();
    for (const id of ids.slice(20)) await insertRow(id);
    await sub.waitFor((frame) => frame.data.record?.id === ids.at(-1), 30_000);
    expect(insertedIds(sub.frames)).toEqual(ids);
    expect(fx.extension.stats().reconnects).toBeGreaterThan(0);
  });

  it('confirms to the slot exactly what was delivered, so a recreated extension resumes right after it', async () => {
    const [first, second, whileClosed1, whileClosed2, afterwards] = fx.ids(5) as [number, number, number, number, number];
    const before = await fx.subscribe([{ event: 'INSERT', schema: 'public', table: 'pc_full', filter: `id=gte.${first}` }]);
    await insertRow(first);
    await insertRow(second);
    await before.waitFor((frame) => frame.data.record?.id === second);
    await fx.extension.close();

    await insertRow(whileClosed1);
    await insertRow(whileClosed2);
    // Everything delivered was confirmed (nothing would be sent again); what was not is still there.
    expect(await pendingInsertsInSlot()).toBe(2);

    await fx.recreate();
    const after = await fx.subscribe([{ event: 'INSERT', schema: 'public', table: 'pc_full', filter: `id=gte.${first}` }]);
    await insertRow(afterwards);
    await after.waitFor((frame) => frame.data.record?.id === afterwards);
    expect(insertedIds(before.frames)).toEqual([first, second]);
    const resumed = insertedIds(after.frames);
    expect(resumed.at(-1)).toBe(afterwards);
    expect([whileClosed1, whileClosed2, afterwards]).toEqual(expect.arrayContaining(resumed));
    expect(fx.extension.stats().transactions).toBeGreaterThanOrEqual(3);
  });
});
