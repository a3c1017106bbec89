/**
 * `npm run worker`: the probe, the per-minute analysis, the gate runner (rollback,
 * auto-advance) and housekeeping, as one process. Run as many as you like: one leads
 * (Postgres advisory lock + a term row that survives restarts), the others wait and take over
 * once the dead leader's term has run out (WORKER_LEASE_RECLAIM_SECONDS + 15 s after its last
 * renewal, at most; at once after a clean stop). Reads only its env (docs/deploy.md), never `.local/`.
 */
import { urlForLogs } from '../../lib/text/url-for-logs.js';
import { workerSettings } from '../env.js';

const log = (line: string) => process.stdout.write(`${line}\n`);

async function main() {
  const env = workerSettings();
  log(`[worker] env ok: Supabase ${urlForLogs(env.SUPABASE_URL)}, Postgres ${urlForLogs(env.DATABASE_URL)}, app ${urlForLogs(env.APP_URL)}, ${env.VALIDATION_WINDOW_SECONDS}-s windows, tick ${env.VALIDATION_TICK_SECONDS} s`);
  log('[worker] taking part in the leader election…');
  // Loaded after the env check, so a misconfigured worker says so before anything else.
  const { startWorker } = await import('./worker.js');
  const worker = startWorker({
    databaseUrl: env.DATABASE_URL,
    probe: {
      supabaseUrl: env.SUPABASE_URL,
      anonKey: env.SUPABASE_ANON_KEY,
      jwtSecret: env.SUPABASE_JWT_SECRET,
      legacyWsUrl: env.LEGACY_WS_URL,
      samplesUrl: new URL('/api/validation/samples', env.APP_URL).href,
      serviceRoleKey: env.SUPABASE_SERVICE_ROLE_KEY,
    },
    windowMs: env.VALIDATION_WINDOW_SECONDS * 1000,
    tickMs: env.VALIDATION_TICK_SECONDS * 1000,
    lease: { retryMs: env.WORKER_LEASE_RETRY_SECONDS * 1000, reclaimMs: env.WORKER_LEASE_RECLAIM_SECONDS * 1000 },
    onLog: log,
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`[worker] ${signal}: stopping (the lease is released for the next worker)…`);
    worker.close().then(
      () => {
        log('[worker] stopped.');
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(`[worker] stop failed: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  await worker.ready;
  log(`[worker] ready (${worker.state()})`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
