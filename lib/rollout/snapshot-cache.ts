import { DEFAULT_CONFIG, rolloutConfigSchema, type RolloutConfig } from '@/lib/rollout/config';

/** Serve from memory while younger than this; refresh in the background after it. */
export const SNAPSHOT_FRESH_MS = 2_000;
/** Never decide on a snapshot older than this: wait (bounded) for a refresh. */
export const SNAPSHOT_MAX_AGE_MS = 5_000;

export interface SnapshotSource {
  fetchConfig(): Promise<RolloutConfig>;
  now(): number;
}

/**
 * The rollout config as the edge sees it: an in-memory snapshot, refreshed in the
 * background so a request almost never waits on the network, and never older than 5 s
 * when used. If the app cannot be reached, the last known snapshot (or the all-legacy
 * default) keeps pages working.
 */
export function createSnapshotCache(source: SnapshotSource) {
  let snapshot: { config: RolloutConfig; at: number } | null = null;
  let inflight: Promise<RolloutConfig> | null = null;
  let failures = 0;

  const refresh = (): Promise<RolloutConfig> => {
    inflight ??= source
      .fetchConfig()
      .then((config) => {
        snapshot = { config: rolloutConfigSchema.parse(config), at: source.now() };
        failures = 0;
        return snapshot.config;
      })
      .catch((error: unknown) => {
        failures += 1;
        if (failures === 1 || failures % 50 === 0) console.warn('rollout: config snapshot refresh failed; using the last known config', error);
        return snapshot?.config ?? DEFAULT_CONFIG;
      })
      .finally(() => {
        inflight = null;
      });
    return inflight;
  };

  return {
    async get(): Promise<RolloutConfig> {
      const age = snapshot ? source.now() - snapshot.at : Number.POSITIVE_INFINITY;
      if (snapshot && age < SNAPSHOT_FRESH_MS) return snapshot.config;
      if (snapshot && age < SNAPSHOT_MAX_AGE_MS) {
        void refresh();
        return snapshot.config;
      }
      return refresh();
    },
    /** Drop the snapshot (tests; or after learning of a newer version). */
    invalidate() {
      snapshot = null;
    },
  };
}
