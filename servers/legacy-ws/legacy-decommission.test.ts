import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../lib/db/create-pool.js';
import { changeConfig } from '../../lib/rollout/server/config-store.js';
import type { RolloutCommand } from '../../lib/rollout/commands.js';
import { waitFor } from '../../test-support/wait-for.js';
import { startThrowawayPostgres, tolerateShutdown, type ThrowawayPostgres } from '../../test-support/throwaway-postgres.js';
import { CLOSE_CODES } from '../../contracts/legacy-protocol.js';
import { watchFeedState, type FeedStateWatch } from './feed-state.js';
import { openClient, openReadyClient, TEST_JWT_SECRET, TEST_PUBLISH_KEY } from '../../test-support/legacy-ws/feed.js';
import { startLegacyServer, type LegacyServer } from './legacy-server.js';

let postgres: ThrowawayPostgres;
let admin: pg.Pool;
let state: FeedStateWatch;
let feed: LegacyServer;

beforeAll(async () => {
  postgres = await startThrowawayPostgres({ seed: false });
  admin = tolerateShutdown(createPool({ connectionString: postgres.databaseUrl, max: 2 }, () => undefined));
  state = watchFeedState({ databaseUrl: postgres.databaseUrl, intervalMs: 100 });
  feed = await startLegacyServer({ port: 0, jwtSecret: TEST_JWT_SECRET, publishKey: TEST_PUBLISH_KEY, feedState: state });
});

afterAll(async () => {
  await feed?.close();
  await state?.close();
  await admin?.end();
  await postgres?.stop();
});

const change = (commands: RolloutCommand[]) => changeConfig(admin, { actor: { id: null, email: 'test@switchyard.local' }, commands, reason: 'legacy feed test' });
const health = async () => (await fetch(`${feed.url.replace('ws://', 'http://')}/health`)).json() as Promise<Record<string, unknown>>;

describe('the legacy feed after decommission', () => {
  it('closes its clients and refuses new ones with 4010, says so in health, and serves again under the kill switch', async () => {
    await waitFor(async () => (await health()).feed === 'live', 'the first state read');
    const watching = await openReadyClient(feed.feedUrl);

    await change([{ type: 'set-stage', stage: 'decommissioned' }]);
    expect(await watching.closed).toEqual({ code: CLOSE_CODES.decommissioned, reason: 'feed decommissioned' });
    expect(await health()).toMatchObject({ status: 'decommissioned', feed: 'decommissioned', clients: 0 });
    const refused = await openClient(feed.feedUrl);
    expect(await refused.closed).toEqual({ code: CLOSE_CODES.decommissioned, reason: 'feed decommissioned' });
    expect(refused.frames).toEqual([]);

    // A rollback needs somewhere to go: the kill switch brings the feed back.
    await change([{ type: 'set-kill-switch', killSwitch: true }]);
    await waitFor(async () => (await health()).feed === 'live', 'the feed to come back');
    const back = await openReadyClient(feed.feedUrl);
    expect(back.frames[0]).toMatchObject({ type: 'ready' });
    back.ws.close();
  });

  it('keeps its last known state while Postgres restarts, and follows changes afterwards', async () => {
    await change([{ type: 'set-kill-switch', killSwitch: false }]);
    await waitFor(async () => (await health()).feed === 'decommissioned', 'the decommissioned state');
    await postgres.restart({ downMs: 1_000 });
    expect((await health()).feed).toBe('decommissioned');
    await change([{ type: 'set-stage', stage: '100' }]);
    await waitFor(async () => (await health()).feed === 'live', 'the feed to follow the stage after the restart');
  });
});
