import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate } from '../servers/local-supabase/db/migrate.js';
import { startPostgres, type RunningPostgres } from '../servers/local-supabase/db/start-postgres.js';
import { freePort } from '../servers/port.js';

const SUPABASE_DIR = fileURLToPath(new URL('../supabase/', import.meta.url));

export interface ThrowawayPostgres {
  port: number;
  databaseUrl: string;
  /** Stops and starts the same cluster (same data, same port): a real Postgres restart, down for `downMs`. */
  restart(options?: { downMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A real, migrated and seeded PostgreSQL 18 in a temp dir on a free port, for
 * integration tests. Removed on `stop()`.
 */
export async function startThrowawayPostgres(options: { seed?: boolean } = {}): Promise<ThrowawayPostgres> {
  const dir = await mkdtemp(path.join(tmpdir(), 'switchyard-pg-'));
  // The postmaster runs as the unprivileged `postgres` user when we are root: it must traverse the dir.
  await chmod(dir, 0o755);
  const port = await freePort();
  const password = 'throwaway-password';
  const running: RunningPostgres = await startPostgres({ dataDir: path.join(dir, 'data'), port, password });
  await migrate({ databaseUrl: running.databaseUrl, supabaseDir: SUPABASE_DIR, seed: options.seed ?? true });
  return {
    port,
    databaseUrl: running.databaseUrl,
    restart: (restartOptions) => running.restart(restartOptions),
    async stop() {
      await running.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Tolerates the one error an idle pooled client may raise when the throwaway cluster stops
 * at teardown (57P01, admin shutdown); anything else is reported.
 */
export function tolerateShutdown<T extends { on(event: 'error', listener: (error: Error & { code?: string }) => void): unknown }>(pool: T): T {
  pool.on('error', (error) => {
    if (error.code !== '57P01') console.error('test pool: idle client error', error);
  });
  return pool;
}
