import { rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { migrate } from '../../servers/local-supabase/db/migrate.js';
import { startPostgres, type RunningPostgres } from '../../servers/local-supabase/db/start-postgres.js';
import { startSupabaseApi } from '../../servers/local-supabase/supabase-api.js';
import { describeProfile } from '../../servers/local-supabase/realtime/limits.js';
import { loadOrCreateSecrets } from '../../servers/local-supabase/secrets.js';
import type { StackSettings } from '../../servers/env.js';
import type { Progress } from './progress.js';
import { markerFile } from './local-stack-marker.js';
import { pgdataDir } from './reclaim-leftovers.js';
import { stackEnv } from './stack-env.js';
import type { Supervision } from './supervision.js';

const SUPABASE_DIR = fileURLToPath(new URL('../../supabase/', import.meta.url));

export interface LocalStack {
  env: Record<string, string>;
  /** Stops the API then Postgres (clean shutdown), removes the running-stack marker. */
  close(): Promise<void>;
}

/**
 * Postgres → migrations + seed → local Supabase API (Auth + Realtime), in order. The
 * postmaster is tracked by `supervision` (recorded under the data dir, stopped by the
 * guardian if this process dies), also after a restart through `POST /__switchyard/postgres`.
 */
export async function startLocalStack(settings: StackSettings, progress: Progress, log: (line: string) => void, supervision: Supervision): Promise<LocalStack> {
  const secrets = await progress.step('secrets', () => loadOrCreateSecrets(settings.dataDir), () => `${settings.dataDir}/secrets.json`);
  const env = stackEnv(settings, secrets);
  const postgres = await progress.step(
    'postgres 18',
    () => startPostgres({ dataDir: pgdataDir(settings.dataDir), port: settings.POSTGRES_PORT, password: secrets.dbPassword, onLog: (line) => /\b(ERROR|FATAL|PANIC|WARNING)\b/.test(line) && log(`[postgres] ${line}`) }),
    (pg) => `ready on 127.0.0.1:${pg.port}`,
  );
  let closing = false;
  const trackPostgres = async () => {
    const pid = await postgres.pid();
    if (pid !== null) await supervision.track({ name: 'postgres', pid, group: false, signal: 'SIGINT', graceMs: 15_000 });
    return pid;
  };
  await trackPostgres();
  const closers: Array<() => Promise<void>> = [
    async () => {
      await postgres.stop();
      await supervision.untrack('postgres');
    },
  ];
  const close = async () => {
    closing = true;
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
      () => startSupabaseApi({ port: settings.SUPABASE_API_PORT, databaseUrl: postgres.databaseUrl, secrets, signInAttemptsPerFiveMinutes: settings.AUTH_SIGN_IN_RATE_LIMIT, enableSignup: settings.AUTH_ENABLE_SIGNUP, realtimeProfile: settings.REALTIME_PLAN, postgres: restartControl(postgres, () => closing, trackPostgres, log), onLog: log }),
      () => `${env.SUPABASE_URL} (auth, realtime)`,
    );
    progress.info(`  Realtime limits: ${describeProfile(settings.REALTIME_PLAN)}`);
    closers.push(() => api.close());
    await writeFile(markerFile(settings), `${JSON.stringify({ pid: process.pid, env }, null, 2)}\n`, { mode: 0o600 });
    return { env, close };
  } catch (error) {
    await close();
    throw error;
  }
}

function restartControl(postgres: RunningPostgres, closing: () => boolean, track: () => Promise<number | null>, log: (line: string) => void) {
  return {
    async restart(downMs: number) {
      if (closing()) throw new Error('stack: stopping; no Postgres restart now');
      log(`[postgres] restart requested: stopping, down for ${(downMs / 1000).toFixed(1)} s`);
      await postgres.restart({ downMs });
      const pid = await track();
      log(`[postgres] back (pid ${pid ?? '?'})`);
      return { pid };
    },
  };
}
