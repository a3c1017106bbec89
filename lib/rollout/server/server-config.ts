import 'server-only';
import { db } from '@/lib/db/pool';
import { rolloutConfigSchema, type RolloutConfig } from '@/lib/rollout/config';
import { listAudit, loadConfig, type AuditEntry } from '@/lib/rollout/server/config-store';

const TTL_MS = 1_000;
type Entry = { value: unknown; at: number; pending?: Promise<unknown> };
const globalForCache = globalThis as unknown as { switchyardRolloutCache?: Map<string, Entry> };
const cache = (globalForCache.switchyardRolloutCache ??= new Map());

/** A value read from Postgres at most once a second per process, however many callers ask. */
function readThrough<T>(key: string, load: () => Promise<T>): Promise<T> {
  const entry = cache.get(key);
  if (entry && Date.now() - entry.at < TTL_MS) return Promise.resolve(entry.value as T);
  if (entry?.pending) return entry.pending as Promise<T>;
  const pending = load().then(
    (value) => {
      cache.set(key, { value, at: Date.now() });
      return value;
    },
    (error: unknown) => {
      if (entry) cache.set(key, { ...entry, pending: undefined });
      else cache.delete(key);
      throw error;
    },
  );
  cache.set(key, { value: entry?.value, at: entry?.at ?? 0, pending });
  return pending;
}

/** The rollout config for server code. */
export function currentRolloutConfig(): Promise<RolloutConfig> {
  return readThrough('config', () => loadConfig(db()));
}

/** The newest audit entry (what dashboards announce after an automatic rollback). */
export function latestRolloutChange(): Promise<AuditEntry | null> {
  return readThrough('latest-change', async () => (await listAudit(db(), 1))[0] ?? null);
}

/** How long after a change a client may still act on the config before it (it polls every 2 s). */
const PROPAGATION_MS = 60_000;

/** The current config and every config in force within the last minute (newest first). */
export function recentRolloutConfigs(): Promise<RolloutConfig[]> {
  return readThrough('recent-configs', async () => {
    const pool = db();
    const [current, changes] = await Promise.all([
      loadConfig(pool),
      pool.query<{ before: unknown }>('select before from public.rollout_audit where at > now() - make_interval(secs => $1) and before is not null order by id desc', [PROPAGATION_MS / 1000]),
    ]);
    return [current, ...changes.rows.flatMap((row) => {
      const parsed = rolloutConfigSchema.safeParse(row.before);
      return parsed.success ? [parsed.data] : [];
    })];
  });
}

/** Forget the cached copies (after a change made by this process). */
export function invalidateRolloutConfig(): void {
  cache.clear();
}
