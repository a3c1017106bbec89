import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { POST } from '@/app/api/ingest/route';
import { db } from '@/lib/db/pool';
import { legacyPublisher } from '@/lib/ingest/legacy-publisher';
import { ingestRequest, metric, setTestEnv, startReceiver } from '@/test-support/ingest';
import { changeConfig } from '@/lib/rollout/server/config-store';
import { invalidateRolloutConfig } from '@/lib/rollout/server/server-config';
import { startThrowawayPostgres, type ThrowawayPostgres, tolerateShutdown } from '@/test-support/throwaway-postgres';

let postgres: ThrowawayPostgres;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let admin: pg.Pool;
const actor = { id: null, email: 'test@switchyard.local' };

beforeAll(async () => {
  postgres = await startThrowawayPostgres({ seed: false });
  receiver = await startReceiver();
  setTestEnv({ databaseUrl: postgres.databaseUrl, publishUrl: receiver.url });
  admin = tolerateShutdown(new pg.Pool({ connectionString: postgres.databaseUrl, max: 2 }));
});

afterAll(async () => {
  await legacyPublisher().close();
  await db().end();
  await admin?.end();
  await receiver?.close();
  await postgres?.stop();
});

const publishedIds = () => new Set(receiver.received.flatMap((r) => r.envelopes.map((e) => e.event_id)));

async function ingestOne(): Promise<string> {
  const item = metric();
  const response = await POST(ingestRequest({ metrics: [item], events: [] }));
  expect(response.status).toBe(200);
  return item.event_id as string;
}

describe('decommissioning the legacy feed', () => {
  it('stops publishing to the legacy feed, and the kill switch brings it back', async () => {
    const before = await ingestOne();
    await vi.waitFor(() => expect(publishedIds().has(before)).toBe(true));

    await changeConfig(admin, { actor, commands: [{ type: 'set-stage', stage: 'decommissioned' }], reason: 'legacy off' });
    invalidateRolloutConfig();
    const during = await ingestOne();
    // A later envelope proves the publisher is idle rather than slow: the kill switch turns it back on.
    await changeConfig(admin, { actor, commands: [{ type: 'set-kill-switch', killSwitch: true }], reason: 'incident' });
    invalidateRolloutConfig();
    const after = await ingestOne();
    await vi.waitFor(() => expect(publishedIds().has(after)).toBe(true));
    expect(publishedIds().has(during)).toBe(false);
    const stored = await admin.query('select 1 from public.cache_metrics where event_id = $1', [during]);
    expect(stored.rowCount).toBe(1);
  });
});
