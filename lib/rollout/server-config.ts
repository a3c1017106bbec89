import 'server-only';
import { db } from '@/lib/db/pool';
import type { RolloutConfig } from '@/lib/rollout/config';
import { loadConfig } from '@/lib/rollout/config-store';

const TTL_MS = 1_000;
const globalForConfig = globalThis as unknown as { switchyardRolloutConfig?: { config: RolloutConfig; at: number; pending?: Promise<RolloutConfig> } };

/** The rollout config for server code: read from Postgres at most once a second. */
export async function currentRolloutConfig(): Promise<RolloutConfig> {
  const cached = globalForConfig.switchyardRolloutConfig;
  if (cached && Date.now() - cached.at < TTL_MS) return cached.config;
  if (cached?.pending) return cached.pending;
  const pending = loadConfig(db()).then((config) => {
    globalForConfig.switchyardRolloutConfig = { config, at: Date.now() };
    return config;
  });
  globalForConfig.switchyardRolloutConfig = cached ? { ...cached, pending } : { config: await pending, at: Date.now() };
  return pending;
}

/** Forget the cached copy (after a change made by this process). */
export function invalidateRolloutConfig(): void {
  delete globalForConfig.switchyardRolloutConfig;
}
