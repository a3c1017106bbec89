import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate } from '../local-supabase/db/migrate.js';
import { startPostgres } from '../local-supabase/db/start-postgres.js';
import { startSupabaseApi } from '../local-supabase/supabase-api.js';
import { loadOrCreateSecrets } from '../local-supabase/secrets.js';
import type { StackSettings } from '../env.js';
import type { Progress } from './progress.js';
import { markerFile } from './local-stack-marker.js';
import { stackEnv } from './stack-env.js';

const SUPABASE_DIR = fileURLToPath(new URL('../../supabase/', import.meta.url));

export interface LocalStack {
  env: Record<string, string>;
  /** Stops the API then Postgres (clean shutdown), removes the running-stack marker. */
  close(): Promise<void>;
}

/** Postgres → migrations + seed → local Supabase API (Auth + Realtime), in order. */
export async function startLocalStack(settings: StackSettings, progress: Progress, log: (line: string) => void): Promise<LocalStack> {
  const secrets = await progress.step('secrets', () => loadOrCreateSecrets(settings.dataDir), () => path.join(settings.dataDir, 'secrets.json'));
  const env = stackEnv(settings, secrets);
  const postgres = await progress.step(
    'postgres 18',
    () => startPostgres({ dataDir: path.join(settings.dataDir, 'pgdata'), port: settings.POSTGRES_PORT, password: secrets.dbPassword, onLog: (line) => /\b(ERROR|FATAL|PANIC|WARNING)\b/.test(line) && log(`[postgres] ${line}`) }),
    (pg) => `ready on 127.0.0.1:${pg.port}`,
  );
  const closers: Array<() => Promise<void>> = [() => postgres.stop()];
  const close = async () => {
    await rm(markerFile(settings), { force: true });
    for (const closer of closers.reverse()) await closer();
  };
  try {
    await progress.step(
      'migrations + seed',
      () => migrate({ databaseUrl: postgres.databaseUrl, supabaseDir: SUPABASE_DIR, seed: true }),
      (result) => `${result.applied.length} applied, ${result.skipped} up to date`,
    );
    const api = await progress.step(
      'local Supabase API',
      () => startSupabaseApi({ port: settings.SUPABASE_API_PORT, databaseUrl: postgres.databaseUrl, secrets, onLog: log }),
      () => `${env.SUPABASE_URL} (auth, realtime)`,
    );
    closers.push(() => api.close());
    await writeFile(markerFile(settings), `${JSON.stringify({ pid: process.pid, env }, null, 2)}\n`, { mode: 0o600 });
    return { env, close };
  } catch (error) {
    await close();
    throw error;
  }
}

