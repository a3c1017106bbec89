import { createPool } from '../../lib/db/create-pool.js';
import { legacyFeedEnabled } from '../../lib/rollout/stages.js';
import { loadConfig } from '../../lib/rollout/server/config-store.js';

/** `live` until the rollout is decommissioned; `live` again while the kill switch is on. */
export type FeedState = 'live' | 'decommissioned';

export interface FeedStateWatch {
  current(): FeedState;
  /** Called on every change of state; returns the unsubscribe. */
  onChange(listener: (state: FeedState) => void): () => void;
  close(): Promise<void>;
}

/**
 * Follows the rollout config in Postgres (every `intervalMs`, 1 s by default) and decides
 * with the same rule as the ingest API (`legacyFeedEnabled`) whether the legacy feed still
 * runs. While Postgres is unreachable (a restart) the last known state holds; the pool
 * reconnects by itself. Starts `live`: a feed that cannot read its config keeps serving,
 * because it is where a rollback goes.
 */
export function watchFeedState(options: { databaseUrl: string; intervalMs?: number; log?: (line: string) => void }): FeedStateWatch {
  const log = options.log ?? (() => undefined);
  const pool = createPool({ connectionString: options.databaseUrl, max: 1 }, (error) => log(`feed state: idle database connection lost: ${error.message}`));
  const listeners = new Set<(state: FeedState) => void>();
  let state: FeedState = 'live';
  let failing = false;
  let reading: Promise<void> | null = null;
  const read = async () => {
    try {
      const next: FeedState = legacyFeedEnabled(await loadConfig(pool)) ? 'live' : 'decommissioned';
      if (failing) log('feed state: reading the rollout config again');
      failing = false;
      if (next === state) return;
      state = next;
      log(`feed state: ${state}`);
      for (const listener of listeners) listener(state);
    } catch (error) {
      if (!failing) log(`feed state: cannot read the rollout config (${error instanceof Error ? error.message : String(error)}); staying ${state}`);
      failing = true;
    }
  };
  const tick = () => {
    reading ??= read().finally(() => {
      reading = null;
    });
  };
  tick();
  const timer = setInterval(tick, options.intervalMs ?? 1_000);
  timer.unref();
  return {
    current: () => state,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      clearInterval(timer);
      await reading;
      await pool.end();
    },
  };
}
