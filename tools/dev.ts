/**
 * `npm run dev`: the whole product on one machine, in order, with health checks —
 * Postgres → migrations → local Supabase API → legacy WebSocket feed → Next.js →
 * simulator — then the URLs and demo accounts. Ctrl-C (or SIGTERM, SIGHUP, or a crash of
 * anything in this process) stops everything it started, Postgres last. What it started is
 * recorded in `<data dir>/processes.json` and watched by a guardian process, so a SIGKILL
 * of this process leaves nothing running either (tools/stack/supervision.ts).
 * `--next start` serves a production build (`npm run build` first) instead of `next dev`,
 * which builds into its own distDir under the data dir (tools/stack/next-dist-dir.ts).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inheritedEnv, stackSettings } from '../servers/env.js';
import { assertPortFree } from '../servers/port.js';
import { spawnChild, waitForHttp } from './stack/child-process.js';
import { nextServerArgs } from './stack/next-server.js';
import { createPool } from '../lib/db/create-pool.js';
import { registerIngestKey } from '../lib/ingest/ingest-keys.js';
import { watchFeedState } from '../servers/legacy-ws/feed-state.js';
import { startLegacyServer } from '../servers/legacy-ws/legacy-server.js';
import { startWorker } from '../servers/worker/worker.js';
import { startSimulator } from '../servers/simulator/runner.js';
import { startLocalStack } from './stack/local-stack.js';
import { assertProductionBuild, prepareDevDistDir } from './stack/next-dist-dir.js';
import { stopOnAnyEnd } from './stack/signals.js';
import { createProgress } from './stack/progress.js';
import { startSupervision } from './stack/supervision.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NEXT_BIN = path.join(ROOT, 'node_modules/next/dist/bin/next');

// eslint-disable-next-line max-lines-per-function -- the orchestrator's start order, step by step, read top to bottom (each step calls into tools/stack/).
async function main() {
  const nextMode = process.argv.includes('--next') ? process.argv[process.argv.indexOf('--next') + 1] : 'dev';
  if (nextMode !== 'dev' && nextMode !== 'start') throw new Error(`dev: --next must be "dev" or "start", got ${nextMode}`);
  const started = performance.now();
  const settings = stackSettings();
  const progress = createProgress();
  // Next logs every request in dev; the feed's own high-rate calls would drown the rest.
  const noisy = /^\[next\]\s+(POST|GET) \/api\/(ingest|validation\/samples|rollout\/(me|snapshot)|monitoring\/events|health)\b.* [23]\d\d in /;
  const log = (line: string) => {
    if (!noisy.test(line)) process.stdout.write(`${line}\n`);
  };
  await mkdir(settings.dataDir, { recursive: true });
  const supervision = await startSupervision(settings.dataDir, (line) => progress.info(line));
  const stops: Array<() => Promise<void>> = [];
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    progress.info('stopping…');
    for (const stop of stops.reverse()) {
      // Each step is bounded: a hung step must not leave the rest (and Postgres) running.
      await Promise.race([stop(), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]).catch((error: unknown) =>
        progress.info(`  stop failed: ${error instanceof Error ? error.message : String(error)}`),
      );
    }
    // Last: whatever a failed step left running is the guardian's once this pipe closes.
    await supervision.close().catch((error: unknown) => progress.info(`  supervision: ${error instanceof Error ? error.message : String(error)}`));
    progress.info('stopped.');
    process.exit(code);
  };
  stopOnAnyEnd(shutdown, (line) => progress.info(line));

  try {
    progress.info(`Switchyard · ${settings.SWITCHYARD_MODE} mode · data in ${settings.dataDir}`);
    let env: Record<string, string | undefined> = inheritedEnv();
    if (settings.SWITCHYARD_MODE === 'local') {
      const stack = await startLocalStack(settings, progress, log, supervision);
      stops.push(() => stack.close());
      env = { ...env, ...stack.env };
    } else {
      progress.info('SWITCHYARD_MODE=supabase: using the Supabase project from the environment; the local stack is not started.');
    }

    const secrets = requireKeys(env, ['SUPABASE_URL', 'SUPABASE_ANON_KEY', 'SUPABASE_SERVICE_ROLE_KEY', 'SUPABASE_JWT_SECRET', 'LEGACY_PUBLISH_KEY', 'LEGACY_WS_URL', 'DATABASE_URL', 'INGEST_API_KEY']);
    await progress.step('ingest key', async () => {
      const pool = createPool({ connectionString: secrets.DATABASE_URL, max: 1 }, (error) => process.stderr.write(`ingest key: idle connection failed: ${error.message}\n`));
      try {
        await registerIngestKey(pool, 'local-simulator', secrets.INGEST_API_KEY);
      } finally {
        await pool.end();
      }
    }, () => 'registered (stored hashed)');
    // The feed follows the rollout: closed (4010) once decommissioned, back under the kill switch.
    const feedState = watchFeedState({ databaseUrl: secrets.DATABASE_URL, log: (line) => log(`[legacy] ${line}`) });
    stops.push(() => feedState.close());
    const legacy = await progress.step(
      'legacy WebSocket feed',
      () =>
        startLegacyServer({
          port: settings.LEGACY_WS_PORT,
          jwtSecret: secrets.SUPABASE_JWT_SECRET,
          publishKey: secrets.LEGACY_PUBLISH_KEY,
          feedState,
          onLog: (entry) => (entry.level !== 'info' || entry.message.startsWith('feed decommissioned')) && log(`[legacy] ${entry.level}: ${entry.message}${entry.details ? ` ${JSON.stringify(entry.details)}` : ''}`),
        }),
      (server) => server.feedUrl,
    );
    stops.push(() => legacy.close());

    const next = await progress.step(
      `next ${nextMode}`,
      async () => {
        // Otherwise the health check below could pass against a stale server on that port.
        await assertPortFree(settings.APP_PORT, 'Next.js');
        if (nextMode === 'start') assertProductionBuild(ROOT);
        const dist = nextMode === 'dev' ? await prepareDevDistDir({ root: ROOT, dataDir: settings.dataDir, log: (line) => progress.info(line) }) : null;
        const child = spawnChild('next', process.execPath, [NEXT_BIN, ...nextServerArgs(nextMode, '127.0.0.1', settings.APP_PORT)], {
          env: { ...env, NEXT_TELEMETRY_DISABLED: '1', PORT: String(settings.APP_PORT), ...(dist ? { SWITCHYARD_NEXT_DIST_DIR: dist.distDir } : {}) },
          cwd: ROOT,
          log,
        });
        if (child.process.pid !== undefined) await supervision.track({ name: 'next', pid: child.process.pid, group: true, signal: 'SIGTERM', graceMs: 5_000 });
        stops.push(async () => {
          const clean = await child.stop();
          await dist?.markStopped(clean);
          await supervision.untrack('next');
        });
        await waitForHttp(`http://127.0.0.1:${settings.APP_PORT}/api/health`, 120_000, () => child.process.exitCode === null);
        return child;
      },
      () => `http://127.0.0.1:${settings.APP_PORT}`,
    );
    void next.exited.then((code) => {
      if (!stopping) {
        progress.info(`next exited unexpectedly (code ${code}); stopping the stack.`);
        void shutdown(1);
      }
    });

    // The same worker as `npm run worker` (leader lease + its jobs); here it leads at once, unless
    // another worker already leads against this database.
    await progress.step(
      'worker: probe + validation + gate runner',
      async () => {
        const started = startWorker({
          databaseUrl: secrets.DATABASE_URL,
          probe: {
            supabaseUrl: secrets.SUPABASE_URL,
            anonKey: secrets.SUPABASE_ANON_KEY,
            jwtSecret: secrets.SUPABASE_JWT_SECRET,
            legacyWsUrl: secrets.LEGACY_WS_URL,
            samplesUrl: `http://127.0.0.1:${settings.APP_PORT}/api/validation/samples`,
            serviceRoleKey: secrets.SUPABASE_SERVICE_ROLE_KEY,
          },
          windowMs: settings.VALIDATION_WINDOW_SECONDS * 1000,
          tickMs: settings.VALIDATION_TICK_SECONDS * 1000,
          onLog: (line) => !/^\[worker\] [\w -]+: started$/.test(line) && log(line),
        });
        stops.push(() => started.close());
        await started.ready;
        return started;
      },
      (started) => `${started.state()}: both transports + legacy baseline, samples every 2 s`,
    );

    if (settings.SIMULATOR_RATE > 0) {
      const simulator = await progress.step(
        'simulator',
        async () =>
          startSimulator({
            ingestUrl: `http://127.0.0.1:${settings.APP_PORT}/api/ingest`,
            ingestKey: secrets.INGEST_API_KEY,
            rate: settings.SIMULATOR_RATE,
            seed: settings.SIMULATOR_SEED,
            realtime: true,
            // Keep retrying through a database outage (the API answers 503): the batches wait
            // in order and catch up afterwards, so a Postgres restart loses no simulated data.
            retry: { attempts: Number.POSITIVE_INFINITY, maxMs: 2_000 },
            logEverySeconds: 60,
            onLog: (line) => log(`[simulator] ${line}`),
          }),
        () => `${settings.SIMULATOR_RATE} metric rows/s + events, seed ${settings.SIMULATOR_SEED}`,
      );
      stops.push(async () => {
        await simulator.close();
      });
    }

    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    progress.info(
      [
        '',
        `Switchyard is ready in ${seconds} s → http://127.0.0.1:${settings.APP_PORT}`,
        settings.SWITCHYARD_MODE === 'local'
          ? [
              `  Supabase API   ${env.SUPABASE_URL}   (auth + realtime; \`npm run --silent stack:env\` prints the keys)`,
              `  Postgres       ${String(env.DATABASE_URL).replace(/:[^:@/]+@/, ':****@')}`,
              '  Demo accounts  admin@switchyard.local / switchyard-admin (admin)',
              '                 viewer@switchyard.local / switchyard-viewer',
              '                 ops@switchyard.local / switchyard-ops',
            ].join('\n')
          : '',
        '  Ctrl-C stops everything.',
      ].join('\n'),
    );
  } catch (error) {
    progress.info(`\nSwitchyard failed to start: ${error instanceof Error ? error.message : String(error)}`);
    await shutdown(1);
  }
}

function requireKeys<K extends string>(env: Record<string, string | undefined>, keys: K[]): Record<K, string> {
  const missing = keys.filter((key) => !env[key]);
  if (missing.length > 0) throw new Error(`dev: missing ${missing.join(', ')} (set them in the environment for SWITCHYARD_MODE=supabase)`);
  return Object.fromEntries(keys.map((key) => [key, env[key] as string])) as Record<K, string>;
}

main().catch((error: unknown) => {
  process.stderr.write(`dev: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
