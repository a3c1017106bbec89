import { DEFAULT_CONFIG, rolloutConfigSchema, type RolloutConfig } from '@/lib/rollout/config';

/** Serve from memory while younger than this; refresh in the background after it. */
export const SNAPSHOT_FRESH_MS = 2_000;

export interface SnapshotSource {
  fetchConfig(): Promise<RolloutConfig>;
  now(): number;
}

/**
 * The rollout config as the edge sees it: an in-memory snapshot, refreshed in the
 * background once older than 2 s. A request never waits on the network except the very
 * first one of an edge instance (bounded by the fetch's timeout). A stale snapshot only
 * delays the edge's cohort cookie: the server evaluates the current config itself. If the
 * app cannot be reached, the last known snapshot (or the all-legacy default) keeps pages
 * working.
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
      if (!snapshot) return refresh();
      if (source.now() - snapshot.at >= SNAPSHOT_FRESH_MS) void refresh();
      return snapshot.config;
    },
    /** Drop the snapshot (tests; or after learning of a newer version). */
    invalidate() {
      snapshot = null;
    },
  };
}
